// The connection FSM's state table (engine/src/dial/connection_state.hpp, docs/engine.md §2).
#include "dial/connection_state.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string_view>

using namespace dialup;
using namespace dialup::detail;

TEST_CASE("every state of the connection has one row with a name of its own") {
  std::set<std::string_view> names;
  for (const auto& r : connection_states) {
    CHECK(&row(r.state) == &r);
    CHECK_FALSE(r.name.empty());
    names.insert(r.name);
  }
  CHECK(names.size() == connection_states.size());
}

TEST_CASE("the paused states report RAS paused states, and no other state does") {
  for (const auto& r : connection_states) {
    CAPTURE(r.name);
    if (r.paused) {
      REQUIRE(r.reports);
      CHECK(is_paused(*r.reports));
    } else if (r.reports) {
      CHECK_FALSE(is_paused(*r.reports));
    }
  }
}

TEST_CASE("the states that wait on the connection's timer say what it means, and the others have none") {
  for (auto s : {connection_state::redial_wait, connection_state::reconnect_wait, connection_state::reopen_wait,
                 connection_state::callback_wait, connection_state::online, connection_state::hanging_up})
    CHECK_FALSE(row(s).timeout.empty());
  // callback_prepare: the callback_phase owns the wait for the server to hang up.
  for (auto s : {connection_state::opening, connection_state::init, connection_state::dialing,
                 connection_state::failed, connection_state::closed, connection_state::terminal,
                 connection_state::callback_prepare})
    CHECK(row(s).timeout.empty());
}

TEST_CASE("a link phase runs in the script states and in the callback's first-call end, nowhere else") {
  for (auto s : {connection_state::dial_script, connection_state::login_script, connection_state::password_script,
                 connection_state::callback_script, connection_state::callback_prepare})
    CHECK(is_link_state(s));
  for (auto s : {connection_state::init, connection_state::dialing, connection_state::callback_init,
                 connection_state::callback_wait, connection_state::answering, connection_state::online})
    CHECK_FALSE(is_link_state(s));
}

TEST_CASE("a failed dial keeps the RAS state it failed in, and a closed one is Disconnected") {
  CHECK_FALSE(row(connection_state::failed).reports);
  CHECK_FALSE(row(connection_state::hanging_up).reports);
  CHECK(row(connection_state::closed).reports == conn_state::disconnected);
  CHECK(row(connection_state::online).reports == conn_state::connected);
}
