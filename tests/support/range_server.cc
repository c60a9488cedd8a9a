#include "tests/support/range_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace layerfs::test {

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int CountLines(const std::string& path) {
  std::string s = ReadAll(path);
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

bool Connects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A port nothing listens on now (the OS's pick for a socket bound to 0).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

RangeServer::RangeServer(const std::string& root) {
  const std::string script = std::string(LAYERFS_SOURCE_DIR) + "/tests/support/range_server.py";
  child_ = std::make_unique<Child>(std::vector<std::string>{
      "sh", "-c", "exec python3 " + Quote(script) + " " + Quote(root) + " " +
                      Quote(control_.path()) + " > " + Quote(control_ / "port")});
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::string p = ReadAll(control_ / "port");
    if (!p.empty() && p.back() == '\n') port_ = std::stoi(p);
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

std::string RangeServer::Url(const std::string& file) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + file;
}

void RangeServer::SetFaults(const std::string& json) const {
  std::ofstream(control_ / "faults.json.tmp") << json;
  std::rename((control_ / "faults.json.tmp").c_str(), (control_ / "faults.json").c_str());
}

int RangeServer::Requests() const { return CountLines(control_ / "requests.log"); }

std::vector<std::string> RangeServer::RequestLog() const {
  std::vector<std::string> lines;
  std::istringstream in(ReadAll(control_ / "requests.log"));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

NginxServer::NginxServer(const std::string& root) {
  int port = FreePort();
  std::ofstream(dir_ / "nginx.conf")
      << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
      << "pid " << dir_ / "nginx.pid" << ";\nerror_log " << dir_ / "error.log" << ";\n"
      << "events { worker_connections 64; }\n"
      << "http {\n  access_log " << dir_ / "access.log" << ";\n"
      << "  client_body_temp_path " << dir_ / "body" << ";\n"
      << "  server {\n    listen 127.0.0.1:" << port << ";\n    root " << root
      << ";\n  }\n}\n";
  child_ = std::make_unique<Child>(std::vector<std::string>{
      "nginx", "-p", dir_.path(), "-c", dir_ / "nginx.conf"});
  for (int i = 0; i < 200; ++i) {
    if (Connects(port)) {
      port_ = port;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

std::string NginxServer::Url(const std::string& file) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + file;
}

int NginxServer::Requests() const { return CountLines(dir_ / "access.log"); }

}  // namespace layerfs::test
