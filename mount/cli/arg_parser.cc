#include "mount/cli/arg_parser.h"

#include <algorithm>

namespace layerfs {

namespace {

// The table entry `arg` spells, and the value it carries inline
// (`--opt=V`, `-oV`), if any. Null when the table has no such option.
struct Match {
  const ArgOption* option = nullptr;
  std::string spelled;  // as typed, without any inline value
  std::optional<std::string> inline_value;
};

Match FindOption(const std::string& arg, const std::vector<ArgOption>& table) {
  Match m;
  const bool is_long = arg.starts_with("--");
  m.spelled = is_long ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
  for (const ArgOption& o : table) {
    if (o.name == m.spelled || (!o.short_name.empty() && o.short_name == m.spelled)) {
      m.option = &o;
      break;
    }
  }
  if (m.spelled.size() < arg.size()) {
    // A short flag with more letters ("-fd") is not one we know.
    if (!is_long && (m.option == nullptr || m.option->value.empty())) {
      m.option = nullptr;
      m.spelled = arg.substr(0, arg.find('='));
      return m;
    }
    m.inline_value = arg.substr(m.spelled.size() + (is_long ? 1 : 0));
  }
  return m;
}

}  // namespace

std::string ParsedArgs::Get(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? std::string() : it->second.back();
}

std::vector<std::string> ParsedArgs::All(std::string_view name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>() : it->second;
}

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                             const std::vector<ArgOption>& table) {
  ParsedArgs parsed;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    Match m = FindOption(arg, table);
    if (m.option == nullptr) return Status::InvalidArgument("unknown option " + m.spelled);
    const ArgOption& option = *m.option;
    const std::string needs =
        m.spelled + " needs " + std::string(option.value.empty() ? "a value" : option.value);
    std::string value;
    if (option.value.empty()) {
      if (m.inline_value) return Status::InvalidArgument(m.spelled + " does not take a value");
    } else if (m.inline_value) {
      value = *m.inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument(needs);
    }
    if (!option.value.empty() && value.empty() && !option.allow_empty) {
      return Status::InvalidArgument(needs);
    }
    std::vector<std::string>& values = parsed.values[std::string(option.name)];
    if (option.once && !values.empty()) {
      return Status::InvalidArgument(m.spelled + " given more than once");
    }
    values.push_back(value);
    if (option.apply) {
      Status s = option.apply(value);
      if (!s.ok()) return s.message().empty() ? Status::InvalidArgument(needs) : s;
    }
    if (option.stops) break;
  }
  return parsed;
}

Status RejectValue() { return Status::InvalidArgument(""); }

ArgApply Flag(bool& field) {
  return [&field](const std::string&) {
    field = true;
    return Status::Ok();
  };
}

ArgApply Text(std::string& field) {
  return [&field](const std::string& value) {
    field = value;
    return Status::Ok();
  };
}

ArgApply Append(std::vector<std::string>& field) {
  return [&field](const std::string& value) {
    field.push_back(value);
    return Status::Ok();
  };
}

ArgApply Size(uint64_t& field) {
  return [&field](const std::string& value) {
    std::optional<uint64_t> size = ParseSize(value);
    if (!size) return RejectValue();
    field = *size;
    return Status::Ok();
  };
}

ArgApply Size(std::optional<uint64_t>& field) {
  return [&field](const std::string& value) {
    std::optional<uint64_t> size = ParseSize(value);
    if (!size) return RejectValue();
    field = *size;
    return Status::Ok();
  };
}

ArgApply Number(uint64_t min, uint64_t max, std::function<void(uint64_t)> set) {
  return [min, max, set = std::move(set)](const std::string& value) {
    std::optional<uint64_t> n = ParseNumber(value);
    if (!n || *n < min || *n > max) return RejectValue();
    set(*n);
    return Status::Ok();
  };
}

ArgOption HelpOption(bool& help) {
  return {.name = "--help", .short_name = "-h", .apply = Flag(help), .stops = true};
}

std::optional<uint64_t> ParseNumber(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stoull(text);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return std::nullopt;
  uint64_t scale = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'k': case 'K': scale = 1ull << 10; break;
    case 'm': case 'M': scale = 1ull << 20; break;
    case 'g': case 'G': scale = 1ull << 30; break;
    default: break;
  }
  if (scale != 1) digits.pop_back();
  std::optional<uint64_t> n = ParseNumber(digits);
  if (!n || *n > UINT64_MAX / scale) return std::nullopt;
  return *n * scale;
}

}  // namespace layerfs
