// The trace's password masking, fed the way a remote that echoes a password back a few
// bytes at a time delivers it (issue: 3-byte writes put the password in a -vv trace).
#include "secret_redactor.hpp"

#include <doctest/doctest.h>

#include <string>

using dialup::detail::secret_redactor;

namespace {

// Feeds `stream` in pieces of `piece` bytes and returns all that came out.
std::string feed_in_pieces(secret_redactor& r, const std::string& stream, std::size_t piece) {
  std::string out;
  for (std::size_t i = 0; i < stream.size(); i += piece) out += r.feed(stream.substr(i, piece));
  return out;
}

}  // namespace

TEST_CASE("a password echoed back in pieces of any size never reaches the trace") {
  const std::string password = "s3cr3t-Pa55";
  const std::string stream = "login: demo\r\nPassword: " + password + "\r\nWelcome " + password +
                             password + " s3cr3 s3cr3t-Pa5\r\n$ ";
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    CAPTURE(piece);
    secret_redactor r;
    r.add_secret(password);
    const auto out = feed_in_pieces(r, stream, piece);
    CHECK(out.find(password) == std::string::npos);
    // Everything else comes through, in order, with one mask a password.
    CHECK(out == "login: demo\r\nPassword: ********\r\nWelcome **************** s3cr3 s3cr3t-Pa5\r\n$ ");
  }
}

TEST_CASE("the end of a stream that could still be a password is held back, never shown") {
  secret_redactor r;
  r.add_secret("hunter2");
  CHECK(r.feed("abc hun") == "abc ");
  CHECK(r.feed("te") == "");
  CHECK(r.feed("x") == "huntex");
  CHECK(r.feed("hunter2") == "********");
}

TEST_CASE("several secrets (a resume's new password beside the old) are all masked") {
  secret_redactor r;
  r.add_secret("old");
  r.add_secret("newer");
  r.add_secret("old");  // once is enough
  CHECK(r.secrets().size() == 2);
  CHECK(feed_in_pieces(r, "x old y newer z ne", 2) == "x ******** y ******** z ");
}
