#include "tests/support/s3_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace layerfs::test {

namespace {

std::string S3rverScript() {
  return std::string(LAYERFS_SOURCE_DIR) + "/tests/support/s3rver/node_modules/s3rver/bin/s3rver.js";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string S3Server::UnavailableReason() {
  if (Shell("command -v node").exit_code != 0) return "node is missing (Debian package nodejs)";
  if (::access(S3rverScript().c_str(), R_OK) != 0) {
    return S3rverScript() + " is missing: run scripts/install-deps (npm ci in tests/support/s3rver)";
  }
  return "";
}

S3Server::S3Server() {
  ::mkdir((dir_ / "data").c_str(), 0755);
  // Not --silent: the first line tells the port the OS picked for -p 0.
  child_ = std::make_unique<Child>(std::vector<std::string>{
      "sh", "-c", "exec node " + Quote(S3rverScript()) + " -d " + Quote(dir_ / "data") +
                      " -a 127.0.0.1 -p 0 --configure-bucket layers > " + Quote(dir_ / "out") +
                      " 2>&1"});
  const std::string marker = "listening on 127.0.0.1:";
  for (int i = 0; i < 400 && port_ == 0; ++i) {
    std::string out = ReadAll(dir_ / "out");
    size_t at = out.find(marker);
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = std::atoi(out.c_str() + at + marker.size());
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
}

std::string S3Server::Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

bool S3Server::Put(const std::string& key, const std::string& file) const {
  CommandResult r = Shell(
      "curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 --user " +
      std::string(kAccessKey) + ":" + kSecretKey + " -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T " + Quote(file) + " " +
      Quote(Endpoint() + "/layers/" + key));
  return r.exit_code == 0 && r.output == "200";
}

}  // namespace layerfs::test
