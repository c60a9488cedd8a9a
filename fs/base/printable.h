// Printable: text from a layer (entry names, symlink targets) or a user
// (paths, URLs) made safe to print on one line of a log, syslog or a
// report. A zip can name an entry anything, including "\n" followed by a
// forged log line; every name printed goes through here first.
//
// Pure functions; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace layerfs {

// Escapes backslash as "\\", tab as "\t", newline as "\n", carriage
// return as "\r" and every other control byte (0x00-0x1f, 0x7f) as "\xHH".
// Other bytes, UTF-8 included, pass unchanged.
std::string Printable(std::string_view text);

// Appends Printable(text) to `out`.
void AppendPrintable(std::string& out, std::string_view text);

// Escapes control bytes only, as Printable does, and leaves backslashes:
// for a last pass over whole log lines, whose names were made Printable
// already and must not be escaped twice.
std::string WithoutControlBytes(std::string_view text);

// A permission mode as four octal digits ("0755"), as ls and chmod write it.
std::string OctalMode(unsigned mode);

// Bytes as lowercase hex digits, two a byte (digests, cache keys).
std::string HexOf(std::span<const unsigned char> bytes);

}  // namespace layerfs
