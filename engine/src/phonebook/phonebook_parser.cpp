// rasphone.pbk text -> phonebook (pbk_parser, phonebook::parse) and back
// (phonebook::serialize), phonebook.hpp.
//
// The parser is line driven:
//
//   start --first line (BOM stripped)--> preamble
//   preamble --"[.x]"--> global_section --"[name]"--> entry --"[name]"--> entry ...
//   any --bad line--> failed (sticky; finish() reports the first error)
//
// In `entry`, "NETCOMPONENTS=", "MEDIA=" and "DEVICE=" open a subsection; other lines go to
// the current subsection (or the entry's own lines before the first one). An entry is
// checked (MEDIA and DEVICE present) when the next section starts or at finish().
//
// Each line costs the same however many entries came before it: entry names are checked
// for duplicates (case-insensitive, as Windows) through a hash map of their lower-case
// forms, so parsing is linear in the size of the text.
#include <algorithm>
#include <utility>

#include "dialup/engine/ras_error.hpp"
#include "phonebook_detail.hpp"

namespace dialup {

using namespace phonebook_detail;

namespace {

// The subsection headers, written exactly so ("Device=" inside a MEDIA is a key).
bool is_subsection_header(std::string_view raw_key) {
  const auto* k = find_pbk_key(raw_key);
  return k && k->place == key_place::subsection && k->name == raw_key;
}

}  // namespace

pbk_parser::pbk_parser(std::string file_name) : file_(std::move(file_name)) {}

void pbk_parser::fail(std::string reason, std::size_t line) {
  if (state_ == state::failed) return;
  state_ = state::failed;
  error_.code = make_error_code(ras_error::corrupt_phonebook);
  error_.file = file_;
  error_.line = line ? line : line_no_;
  error_.reason = std::move(reason);
}

void pbk_parser::feed(std::string_view text) {
  while (!text.empty() && state_ != state::failed && state_ != state::done) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(text);
      if (partial_.size() > max_pbk_line) {
        ++line_no_;
        fail("line longer than " + std::to_string(max_pbk_line) + " bytes");
      }
      return;
    }
    std::string_view piece = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (!partial_.empty()) {
      partial_.append(piece);
      std::string line = std::move(partial_);
      partial_.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      take_line(line);
    } else {
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      take_line(piece);
    }
  }
}

bool pbk_parser::close_entry() {
  if (state_ != state::entry) return true;
  const auto& e = entries_.back();
  if (!seen_media_) {
    fail("entry '" + e.name + "' has no MEDIA subsection", entry_line_);
    return false;
  }
  if (!seen_device_) {
    fail("entry '" + e.name + "' has no DEVICE subsection", entry_line_);
    return false;
  }
  return true;
}

void pbk_parser::take_line(std::string_view line) {
  ++line_no_;
  if (line.size() > max_pbk_line) {
    fail("line longer than " + std::to_string(max_pbk_line) + " bytes");
    return;
  }
  if (state_ == state::start) {
    if (line.substr(0, 3) == "\xEF\xBB\xBF") {
      bom_ = true;
      line.remove_prefix(3);
    }
    state_ = state::preamble;
  }
  auto t = trim(line);
  // Where non-header lines go.
  lines_t* target = nullptr;
  switch (state_) {
    case state::preamble:
      target = &preamble_;
      break;
    case state::global_section:
      target = &globals_.back().lines;
      break;
    case state::entry: {
      auto& layout = entries_.back().layout;
      target = layout.subsections.empty() ? &layout.lines : &layout.subsections.back().lines;
      break;
    }
    case state::start:
    case state::failed:
    case state::done:
      return;
  }

  if (t.empty()) {
    target->push_back({pbk_line::kind::blank, std::string(line), ""});
    return;
  }
  if (t.front() == ';') {
    target->push_back({pbk_line::kind::comment, std::string(line), ""});
    return;
  }
  if (t.front() == '[') {
    auto close = line.rfind(']');
    if (close == std::string_view::npos) {
      fail("unterminated '[' in section header");
      return;
    }
    if (!trim(line.substr(close + 1)).empty()) {
      fail("text after ']' in section header");
      return;
    }
    std::string name = header_name(line);
    if (!close_entry()) return;
    if (!name.empty() && name.front() == '.') {
      pbk_global_section g;
      g.before_entry = entries_.size();
      g.header = std::string(line);
      globals_.push_back(std::move(g));
      state_ = state::global_section;
      return;
    }
    if (name.empty()) {
      fail("empty entry name");
      return;
    }
    if (name.size() > max_entry_name) {
      fail("entry name longer than " + std::to_string(max_entry_name) + " characters");
      return;
    }
    auto [first, added] = entry_lines_.try_emplace(lowered(name), line_no_);
    if (!added) {
      fail("duplicate entry '" + name + "' (first at line " + std::to_string(first->second) +
           ")");
      return;
    }
    phonebook_entry e;
    e.name = std::move(name);
    e.layout.header = std::string(line);
    entries_.push_back(std::move(e));
    entry_line_ = line_no_;
    seen_media_ = seen_device_ = false;
    state_ = state::entry;
    return;
  }
  auto eq = line.find('=');
  if (eq == std::string_view::npos) {
    fail("line has no '=' and is not a [section]");
    return;
  }
  std::string_view key = line.substr(0, eq);
  std::string_view value = line.substr(eq + 1);
  if (trim(key).empty()) {
    fail("empty key before '='");
    return;
  }
  if (state_ == state::preamble) {
    fail("key outside any entry");
    return;
  }
  if (state_ == state::entry && is_subsection_header(key)) {
    if (key == "DEVICE" && !seen_media_) {
      fail("DEVICE subsection before any MEDIA");
      return;
    }
    if (key == "MEDIA") seen_media_ = true;
    if (key == "DEVICE") seen_device_ = true;
    entries_.back().layout.subsections.push_back({std::string(key), std::string(value), {}});
    return;
  }
  if (state_ == state::entry) {
    // A number or flag dialup reads, where the key table puts it: a value that is no
    // number would be read as the default and change the dial without a word.
    const auto& layout = entries_.back().layout;
    if (const pbk_key* row = find_pbk_key(key)) {
      bool here = false;
      if (layout.subsections.empty()) {
        here = row->place == key_place::entry;
      } else {
        const auto& sub = layout.subsections.back();
        if (sub.kind == "MEDIA") here = row->place == key_place::media;
        if (sub.kind == "DEVICE" && !iequals(trim(sub.value), "switch"))
          here = row->place == key_place::device || row->place == key_place::number;
      }
      if (here) {
        if (auto why = number_problem(*row, value); !why.empty()) {
          fail(std::move(why));
          return;
        }
      }
    }
  }
  target->push_back({pbk_line::kind::pair, std::string(key), std::string(value)});
}

phonebook_error pbk_parser::finish(phonebook& out) {
  if (state_ == state::done) {
    return {make_error_code(ras_error::invalid_parameter), file_, 0,
            "finish() called twice on one parser"};
  }
  if (state_ != state::failed && !partial_.empty()) {
    std::string line = std::move(partial_);
    partial_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    take_line(line);
  }
  if (state_ != state::failed) close_entry();
  if (state_ == state::failed) return error_;
  for (auto& e : entries_) fill_typed(e);
  phonebook pb;
  pb.bom_ = bom_;
  pb.preamble_ = std::move(preamble_);
  pb.globals_ = std::move(globals_);
  pb.entries_ = std::move(entries_);
  out = std::move(pb);
  entry_lines_.clear();
  state_ = state::done;
  return {};
}

// ---- phonebook ------------------------------------------------------------------------

phonebook_error phonebook::parse(std::string_view text, std::string_view file_name,
                                 phonebook& out) {
  pbk_parser p{std::string(file_name)};
  p.feed(text);
  return p.finish(out);
}

std::string phonebook::serialize() const {
  std::string out;
  if (bom_) out += "\xEF\xBB\xBF";
  write_lines(out, preamble_);
  // The global sections in the order they go out: by the entry they precede, file order
  // among those before the same entry. One pass over them for the whole phone book.
  std::vector<const pbk_global_section*> globals;
  globals.reserve(globals_.size());
  for (const auto& g : globals_) globals.push_back(&g);
  std::stable_sort(globals.begin(), globals.end(), [](const auto* a, const auto* b) {
    return a->before_entry < b->before_entry;
  });
  auto next_global = globals.begin();
  auto write_globals = [&](std::size_t before) {
    for (; next_global != globals.end() && (*next_global)->before_entry == before; ++next_global) {
      out += (*next_global)->header;
      out += "\r\n";
      write_lines(out, (*next_global)->lines);
    }
  };
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    write_globals(i);
    phonebook_entry e = entries_[i];
    e.sync_layout();
    out += e.layout.header;
    out += "\r\n";
    write_lines(out, e.layout.lines);
    for (const auto& s : e.layout.subsections) {
      out += s.kind;
      out += '=';
      out += s.value;
      out += "\r\n";
      write_lines(out, s.lines);
    }
  }
  write_globals(entries_.size());
  return out;
}

std::error_code phonebook::serialize(std::string& out) const {
  std::string text = serialize();
  phonebook expected = *this;
  for (auto& e : expected.entries_) e.sync_layout();
  phonebook back;
  if (parse(text, "", back) || back != expected) {
    return make_error_code(ras_error::cannot_write_phonebook);
  }
  out = std::move(text);
  return {};
}

}  // namespace dialup
