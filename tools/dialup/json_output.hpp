// json_output — `dialup dial --json`: one JSON object per line on standard output for each
// state change, error and event of the dial (docs/cli.md §3). Keys are snake_case, as
// `dialup ports --json` writes them; every object has the same five keys first:
//
//   {"time":0.105,"event":"state","state":"ConnectDevice","state_value":2,"error":null,
//    "error_text":null, ...}
//
//   time         seconds since the dial started (the engine's time of the state)
//   event        "dialing" (what is dialled, where), "state" (a state entered), "error" (the
//                dial failed in `state`), "paused" (a paused state: what it waits for),
//                "reconnecting", "reconnected", "disconnected" (the line went down), "data"
//                (the --send check; bytes from the line in terminal mode), "hung_up"
//   state        the RASCONNSTATE name (RASCS_ without its prefix), or null
//   state_value  its numeric RASCONNSTATE value, or null
//   error        the RAS error number (600-831), or the errno of a system error, or null
//   error_text   what the error means, or null
// and, where they apply: "detail" (what happened beyond the number, the CONNECT line),
// "attempt", "number", "port", "sent", "received", "text", "confirmed".
// Passwords never appear (the engine's details never hold one).
//
// Thread safety: none; the dial session writes from its event loop only.
#pragma once

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>

#include "dialup/engine/conn_state.hpp"

namespace dialup_cli {

class json_output {
 public:
  using object = nlohmann::ordered_json;

  explicit json_output(std::FILE* out = stdout) : out_(out) {}

  // An object with the five common keys filled in; add more, then write() it.
  static object make(double time, std::string_view event, std::optional<dialup::conn_state> state = std::nullopt,
                     const std::error_code& error = {});

  // One line, flushed (a reader sees each event as it happens).
  void write(const object& o) const;

 private:
  std::FILE* out_;
};

}  // namespace dialup_cli
