#include "fs/lambda/json_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fs/base/printable.h"
#include "fs/base/unique_fd.h"

namespace layerfs {

Result<std::string> ReadJsonFile(const std::string& path, std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    std::string message = path + ": cannot open " + std::string(what) + ": " + std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound(std::move(message));
    return Status::IoError(std::move(message));
  }
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::IoError(path + ": cannot read " + std::string(what) + ": " +
                             std::strerror(errno));
    }
    if (n == 0) return text;
    if (text.size() + size_t(n) > kMaxJsonBytes) {
      return Status::InvalidArgument(path + ": " + std::string(what) + " is larger than " +
                                     std::to_string(kMaxJsonBytes >> 20) + " MiB");
    }
    text.append(buffer, size_t(n));
  }
}

Status CheckJsonDepth(std::string_view text, std::string_view source) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        return Status::InvalidArgument(std::string(source) + ": JSON nested deeper than " +
                                       std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Status::Ok();
}

std::string DescribeJson(const nlohmann::json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    std::string shown = Printable(std::string_view(s).substr(0, 80));
    return "\"" + shown + (s.size() > 80 ? "...\"" : "\"");
  }
  if (value.is_primitive()) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return std::string("a JSON ") + value.type_name();
}

}  // namespace layerfs
