#include "fs/base/printable.h"

#include <cstdio>

namespace layerfs {

namespace {

void AppendEscaped(std::string& out, std::string_view text, bool escape_backslash) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' && escape_backslash) {
      out += "\\\\";
      continue;
    }
    switch (c) {
      case '\t': out += "\\t"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (u < 0x20 || u == 0x7f) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
}

}  // namespace

void AppendPrintable(std::string& out, std::string_view text) { AppendEscaped(out, text, true); }

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, true);
  return out;
}

std::string OctalMode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

std::string WithoutControlBytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, false);
  return out;
}

std::string HexOf(std::span<const unsigned char> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

}  // namespace layerfs
