// The one command-line grammar of every layerfs command. A command declares
// a table of ArgOptions; ParseArgs walks the arguments once and
//   - takes `--opt VALUE`, `--opt=VALUE`, and for a two-letter option
//     (`-o`) also `-oVALUE`; VALUE is the next argument whatever it looks
//     like, so `--log-file -x` names the file "-x";
//   - takes flags (`--json`, `-f`), which refuse `--json=1`;
//   - ends the options at `--`: everything after it is positional;
//   - keeps "", "-" and anything not starting with '-' as positional, in
//     order, wherever they appear among the options;
//   - applies a repeated option once per occurrence (so the last wins, or
//     the values pile up), unless the table says `once`;
//   - words its errors the same for every command: "unknown option --x",
//     "--x needs VALUE", "--x does not take a value", "--x given more than
//     once". Values never appear in errors (they may be secrets).
// Adding an option is one table line, e.g.
//   {.name = "--cache-dir", .value = "a directory", .apply = Text(o.cache_dir)},
//
// Stateless; the appliers write through the references they were built
// with, so a table lives no longer than what it fills in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"

namespace layerfs {

// Takes one occurrence's value ("" for a flag). Returns RejectValue() when
// the value is not one the option accepts (the parser then says "NAME needs
// VALUE"), another error to report that one as is.
using ArgApply = std::function<Status(const std::string& value)>;

struct ArgOption {
  std::string_view name;        // "--cache-size", or a lone "-o"
  std::string_view short_name;  // "-f": the same option; may be empty
  // What the value is, for "NAME needs <value>": "a size like 64M". Empty
  // for a flag, which takes no value.
  std::string_view value;
  ArgApply apply;             // may be empty: the value is only recorded
  bool allow_empty = false;   // take "" as a value (else "NAME needs VALUE")
  bool once = false;          // a repeat is an error
  bool stops = false;         // ends the parse where it stands (--help)
  // The key this option also has in a mount -o list ("cache_size" for
  // --cache-size), where it is always given as key=VALUE; empty: none.
  std::string_view list_key;
};

// What ParseArgs found, besides what the appliers wrote.
struct ParsedArgs {
  std::vector<std::string> positional;
  // Each option's values in order, under its `name`: "" for each flag.
  std::map<std::string, std::vector<std::string>, std::less<>> values;

  bool Has(std::string_view name) const { return values.contains(name); }
  // The last value given, or "".
  std::string Get(std::string_view name) const;
  std::vector<std::string> All(std::string_view name) const;
};

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::vector<ArgOption>& table);

// The error an ArgApply returns for a value its option does not take.
Status RejectValue();

// Appliers for the usual fields.
ArgApply Flag(bool& field);                       // sets it
ArgApply Text(std::string& field);                // the last one wins
ArgApply Append(std::vector<std::string>& field); // each one is added
ArgApply Size(uint64_t& field);                   // "64M", "1G", "65536"
ArgApply Size(std::optional<uint64_t>& field);
ArgApply Number(uint64_t min, uint64_t max, std::function<void(uint64_t)> set);

// -h and --help: sets `help` and ends the parse, so that help is printed
// whatever follows.
ArgOption HelpOption(bool& help);

// "65536" -> 65536; no sign, no spaces, no suffix.
std::optional<uint64_t> ParseNumber(const std::string& text);
// "64M", "1G", "65536" -> bytes.
std::optional<uint64_t> ParseSize(const std::string& text);

}  // namespace layerfs
