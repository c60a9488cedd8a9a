// Loopback HTTP servers that tests start and stop themselves, for remote
// layers (fs/source/http_source.h):
//   - RangeServer runs tests/support/range_server.py, the project's own
//     server with Range support and injectable faults, counting requests;
//   - NginxServer runs nginx (Debian nginx-light) in the foreground with a
//     generated config, serving a directory, counting requests from its
//     access log.
// Both listen on 127.0.0.1 and die (SIGKILL) with the object. Each is
// confined to the test thread that made it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/mount_harness.h"

namespace layerfs::test {

class RangeServer {
 public:
  // Serves the files of `root`; control files live in a scratch dir.
  explicit RangeServer(const std::string& root);

  bool ok() const { return port_ > 0; }
  std::string Url(const std::string& file) const;
  // Writes the faults (a JSON object, see range_server.py); "{}" for none.
  void SetFaults(const std::string& json) const;
  // Requests served so far.
  int Requests() const;
  // Where requests.log and requests.jsonl (see range_server.py) are.
  std::string ControlDir() const { return control_.path(); }
  // Their log lines, "N METHOD PATH RANGE" (see range_server.py).
  std::vector<std::string> RequestLog() const;

 private:
  ScratchDir control_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

class NginxServer {
 public:
  explicit NginxServer(const std::string& root);

  bool ok() const { return port_ > 0; }
  std::string Url(const std::string& file) const;
  int Requests() const;  // lines in the access log

 private:
  ScratchDir dir_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

}  // namespace layerfs::test
