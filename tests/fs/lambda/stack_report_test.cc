// The inspection report on small crafted layers: summaries, shadowed
// paths against UnionView's own answer, and every content finding.
#include "fs/lambda/stack_report.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fs/union/union_view.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;

// The first 64 bytes of an ELF file for `machine`, padded to `size`.
std::string Elf(uint16_t machine, bool little_endian = true, size_t size = 64) {
  std::string s(size, '\0');
  s[0] = 0x7f;
  s[1] = 'E';
  s[2] = 'L';
  s[3] = 'F';
  s[4] = 2;  // 64-bit
  s[5] = little_endian ? 1 : 2;
  s[6] = 1;
  char lo = char(machine & 0xff), hi = char(machine >> 8);
  s[18] = little_endian ? lo : hi;
  s[19] = little_endian ? hi : lo;
  for (size_t i = 64; i < size; ++i) s[i] = char((i * 7919) >> 5);
  return s;
}

class StackReportTest : public ::testing::Test {
 protected:
  // Writes the layers as layer0.zip, ... and opens them.
  std::vector<ReportLayer> Layers(const std::vector<ZipBuilder>& zips) {
    std::vector<ReportLayer> layers;
    for (size_t i = 0; i < zips.size(); ++i) {
      std::string path = dir_ / ("layer" + std::to_string(i) + ".zip");
      EXPECT_TRUE(zips[i].Write(path));
      Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
      EXPECT_TRUE(layer.ok()) << layer.status().ToString();
      if (!layer.ok()) continue;
      layers.push_back({*layer, StackLayer{.label = "layer" + std::to_string(i) + ".zip",
                                           .zip_path = path}});
    }
    return layers;
  }

  StackReport Report(const std::vector<ZipBuilder>& zips, FunctionTarget function = {}) {
    layers_ = Layers(zips);
    return BuildStackReport(layers_, function, {});
  }

  static std::vector<const Finding*> Find(const StackReport& r, const std::string& check) {
    std::vector<const Finding*> found;
    for (const Finding& f : r.findings) {
      if (f.check == check) found.push_back(&f);
    }
    return found;
  }
  static std::vector<std::string> Paths(const StackReport& r, const std::string& check) {
    std::vector<std::string> paths;
    for (const Finding* f : Find(r, check)) paths.push_back(f->path);
    return paths;
  }

  TempDir dir_;
  std::vector<ReportLayer> layers_;
};

TEST_F(StackReportTest, SummaryCountsEntriesSizesAndRuntimeDirectories) {
  ZipBuilder zip;
  zip.Dir("python/");
  zip.File("python/lib/python3.12/site-packages/six.py", "x = 1\n");
  zip.File("python/lib/python3.9/site-packages/old.py", "y\n");
  zip.File("nodejs/node_modules/a/index.js", "module.exports = 1;\n");
  zip.File("nodejs/node20/node_modules/b/index.js", "b");
  zip.File("java/lib/a.jar", "jar");
  zip.File("ruby/gems/3.3.0/gems/x.rb", "x");
  zip.File("ruby/lib/y.rb", "y");
  zip.File("bin/tool", "#!/bin/sh\n").Mode(0755);
  zip.Symlink("lib/libz.so", "libz.so.1");
  zip.File("extensions/ext", "#!/bin/sh\n").Mode(0755);
  zip.File("bootstrap", std::string(1000, 'b')).Mode(0755).Compress(Compression::kStore);
  StackReport r = Report({zip});
  ASSERT_EQ(r.layers.size(), 1u);
  const LayerSummary& s = r.layers[0];
  EXPECT_EQ(s.entries, 12u);
  EXPECT_EQ(s.files, 10u);
  EXPECT_EQ(s.symlinks, 1u);
  // python lib python3.12 site-packages python3.9 site-packages nodejs
  // node_modules a node20 node_modules b java lib ruby gems 3.3.0 gems lib
  // bin lib extensions
  EXPECT_EQ(s.directories, 22u);
  uint64_t uncompressed = 0;
  for (const ZipEntry& e : zip.entries()) uncompressed += e.content.size();
  EXPECT_EQ(s.uncompressed_bytes, uncompressed);
  EXPECT_GT(s.compressed_bytes, 0u);
  EXPECT_EQ(s.runtime_paths,
            (std::vector<std::string>{"python/", "python/lib/python3.12/site-packages/",
                                      "python/lib/python3.9/site-packages/",
                                      "nodejs/node_modules/", "nodejs/node20/node_modules/",
                                      "java/lib/", "ruby/gems/3.3.0/", "ruby/lib/", "bin/",
                                      "lib/", "extensions/", "bootstrap"}));
  EXPECT_EQ(r.identities[0].unzipped_bytes, uncompressed);
  EXPECT_EQ(r.unzipped_bytes, uncompressed);
  EXPECT_TRUE(r.shadowed.empty());
}

TEST_F(StackReportTest, ShadowedPathsNameTheWinnerAndFlagFileDirectoryClashes) {
  ZipBuilder l0, l1, l2;
  l0.File("bin/tool", "old").Mode(0755);
  l0.File("shared/a.txt", "a0");
  l0.File("python/x.py", "x");     // a directory, replaced by a file above
  l0.File("data", "file below");   // a file, replaced by a directory above
  l0.File("flip/inner.txt", "i");  // dir, then file, then dir again
  l1.File("bin/tool", "new").Mode(0755);
  l1.File("shared/b.txt", "b1");  // merges: not shadowed
  l1.File("python", "now a file");
  l1.File("data/d.txt", "d");
  l1.File("flip", "a file in between");
  l2.File("bin/tool", "newest").Mode(0755);
  l2.File("flip/other.txt", "o");
  StackReport r = Report({l0, l1, l2});
  std::vector<std::string> paths;
  for (const ShadowedPath& p : r.shadowed) paths.push_back(p.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"bin/tool", "data", "flip", "python"}));

  const ShadowedPath& tool = r.shadowed[0];
  EXPECT_EQ(tool.winner, 2u);
  EXPECT_EQ(tool.hidden, (std::vector<HiddenCopy>{{1, NodeType::kFile}, {0, NodeType::kFile}}));
  EXPECT_FALSE(tool.type_clash);

  const ShadowedPath& data = r.shadowed[1];
  EXPECT_EQ(data.winner, 1u);
  EXPECT_EQ(data.winner_type, NodeType::kDirectory);
  EXPECT_EQ(data.hidden, (std::vector<HiddenCopy>{{0, NodeType::kFile}}));
  EXPECT_TRUE(data.type_clash);

  const ShadowedPath& flip = r.shadowed[2];
  EXPECT_EQ(flip.winner, 2u);
  EXPECT_EQ(flip.hidden,
            (std::vector<HiddenCopy>{{1, NodeType::kFile}, {0, NodeType::kDirectory}}));
  EXPECT_TRUE(flip.type_clash);

  const ShadowedPath& python = r.shadowed[3];
  EXPECT_EQ(python.winner, 1u);
  EXPECT_EQ(python.hidden, (std::vector<HiddenCopy>{{0, NodeType::kDirectory}}));
  EXPECT_TRUE(python.type_clash);

  // The winners agree with what the mount serves.
  std::vector<std::shared_ptr<const Layer>> opened;
  for (const ReportLayer& l : layers_) opened.push_back(l.layer);
  UnionView view(opened);
  const UnionNode* bin = view.Lookup(view.root(), "bin");
  ASSERT_NE(bin, nullptr);
  EXPECT_EQ(view.Lookup(*bin, "tool")->source().layer, 2u);
  EXPECT_EQ(view.Lookup(view.root(), "python")->source().layer, 1u);
  const UnionNode* flip_node = view.Lookup(view.root(), "flip");
  ASSERT_NE(flip_node, nullptr);
  EXPECT_EQ(view.Lookup(*flip_node, "inner.txt"), nullptr) << "the hidden directory's subtree";
}

TEST_F(StackReportTest, RuntimeDirectoriesOfAnotherVersionOrLanguageAreReported) {
  ZipBuilder py;
  py.File("python/lib/python3.9/site-packages/old.py", "o");
  py.File("python/lib/python3.12/site-packages/new.py", "n");
  py.File("nodejs/node_modules/x.js", "x");
  StackReport r = Report({py}, {.runtime = "python3.12", .architecture = "x86_64"});
  std::vector<const Finding*> found = Find(r, "runtime-mismatch");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0]->path, "python/lib/python3.9");
  EXPECT_EQ(found[0]->severity, Severity::kWarning);
  EXPECT_NE(found[0]->message.find("python3.12"), std::string::npos) << found[0]->message;
  EXPECT_EQ(found[1]->path, "nodejs");
  EXPECT_EQ(found[1]->severity, Severity::kNote);

  ZipBuilder node;
  node.File("nodejs/node18/node_modules/a.js", "a");
  node.File("nodejs/node20/node_modules/b.js", "b");
  StackReport n = Report({node}, {.runtime = "nodejs20.x"});
  EXPECT_EQ(Paths(n, "runtime-mismatch"), std::vector<std::string>{"nodejs/node18"});

  ZipBuilder ruby;
  ruby.File("ruby/gems/3.2.0/x.rb", "x");
  EXPECT_EQ(Paths(Report({ruby}, {.runtime = "ruby3.3"}), "runtime-mismatch"),
            std::vector<std::string>{"ruby/gems/3.2.0"});

  // A custom runtime may read anything; no runtime known, nothing to say.
  EXPECT_TRUE(Find(Report({py}, {.runtime = "provided.al2023"}), "runtime-mismatch").empty());
  EXPECT_TRUE(Find(Report({py}), "runtime-mismatch").empty());
}

TEST_F(StackReportTest, BootstrapAndExtensionsMustBeExecutableByOthersWhereTheyWin) {
  ZipBuilder l0, l1;
  l0.File("bootstrap", "#!/bin/sh\n").Mode(0644);          // shadowed below: fine
  l0.File("extensions/telemetry", "#!/bin/sh\n").Mode(0750);  // o-x: flagged
  l0.File("extensions/good", "#!/bin/sh\n").Mode(0755);
  l0.File("extensions/sub/deeper", "x").Mode(0600);         // not started by Lambda
  l1.File("bootstrap", "#!/bin/sh\n").Mode(0755);
  StackReport r = Report({l0, l1});
  std::vector<const Finding*> found = Find(r, "not-executable");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->path, "extensions/telemetry");
  EXPECT_EQ(found[0]->layer, 0u);
  EXPECT_NE(found[0]->message.find("0750"), std::string::npos) << found[0]->message;

  ZipBuilder windows;  // made without Unix attributes: no exec bits at all
  windows.File("bootstrap", "#!/bin/sh\n").NoUnixAttributes();
  EXPECT_EQ(Paths(Report({windows}), "not-executable"), std::vector<std::string>{"bootstrap"});
}

TEST_F(StackReportTest, EntriesOthersCannotReadAreListed) {
  ZipBuilder zip;
  zip.File("python/secret.cfg", "k").Mode(0600);
  zip.File("python/ok.py", "ok").Mode(0644);
  zip.Dir("private/").Mode(0700);
  zip.File("private/x", "x").Mode(0644);
  zip.Dir("listable/").Mode(0751);  // o+x without o+r
  zip.Symlink("link", "python/secret.cfg");
  StackReport r = Report({zip});
  EXPECT_EQ(Paths(r, "not-world-readable"),
            (std::vector<std::string>{"listable", "private", "python/secret.cfg"}));
  for (const Finding* f : Find(r, "not-world-readable")) EXPECT_EQ(f->severity, Severity::kWarning);
  std::vector<EntryMode> modes = NotWorldReadable(layers_[0].layer->index());
  ASSERT_EQ(modes.size(), 3u);
  EXPECT_EQ(modes[1].mode, 0700);
  EXPECT_EQ(modes[1].type, NodeType::kDirectory);
}

TEST_F(StackReportTest, ElfBinariesForAnotherMachineAreFlagged) {
  ZipBuilder zip;
  zip.File("lib/libx86.so.1", Elf(62)).Compress(Compression::kStore);
  zip.File("lib/libarm.so", Elf(183, true, 3 << 20));  // deflated, streamed
  zip.File("bin/tool", Elf(183)).Mode(0755);
  zip.File("python/ext.cpython-312-aarch64-linux-gnu.so", Elf(183, false));  // big-endian header
  zip.File("python/notes.txt", Elf(183));         // not where binaries live: unread
  zip.File("lib/readme.so", "not an elf at all, longer than twenty bytes");
  zip.File("lib/tiny.so", "\x7f" "ELF");          // too short for a header
  StackReport x86 = Report({zip}, {.architecture = "x86_64"});
  EXPECT_EQ(Paths(x86, "elf-architecture"),
            (std::vector<std::string>{"bin/tool", "lib/libarm.so",
                                      "python/ext.cpython-312-aarch64-linux-gnu.so"}));
  const Finding* first = Find(x86, "elf-architecture")[0];
  EXPECT_NE(first->message.find("aarch64 (e_machine 183)"), std::string::npos) << first->message;
  EXPECT_NE(first->message.find("x86_64 (62)"), std::string::npos) << first->message;
  EXPECT_TRUE(Find(x86, "unreadable-entry").empty());

  StackReport arm = Report({zip}, {.architecture = "arm64"});
  EXPECT_EQ(Paths(arm, "elf-architecture"), std::vector<std::string>{"lib/libx86.so.1"});

  EXPECT_TRUE(Find(Report({zip}), "elf-architecture").empty()) << "no architecture, no check";
}

TEST_F(StackReportTest, EncryptedCandidatesAreReportedAsUnchecked) {
  if (!CanWrite(Encryption::kAes256)) GTEST_SKIP() << "libzip cannot write AES here";
  ZipBuilder zip;
  zip.File("lib/libsecret.so", Elf(62)).Encrypt(Encryption::kAes256);
  StackReport r = Report({zip}, {.architecture = "x86_64"});
  std::vector<const Finding*> found = Find(r, "unreadable-entry");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->path, "lib/libsecret.so");
  EXPECT_EQ(found[0]->severity, Severity::kNote);
}

TEST_F(StackReportTest, IndexWarningsAndRulesBecomeFindings) {
  ZipBuilder bad;
  bad.File("../evil", "x");
  bad.File("fine", "y");
  std::vector<ZipBuilder> six(6, bad);
  StackReport r = Report(six);
  EXPECT_EQ(Find(r, "index-warning").size(), 6u);
  EXPECT_EQ(Find(r, "index-warning")[0]->path, "../evil");
  std::vector<const Finding*> limit = Find(r, "layer-limit");
  ASSERT_EQ(limit.size(), 1u);
  EXPECT_EQ(limit[0]->severity, Severity::kError);
  EXPECT_EQ(&r.findings.front(), limit[0]) << "stack-wide findings come first";
  // Six different files with equal bytes are not the same zip.
  EXPECT_TRUE(Find(r, "duplicate-layer").empty());
  // Findings are grouped by layer after the stack-wide ones.
  for (size_t i = 2; i < r.findings.size(); ++i) {
    EXPECT_LE(*r.findings[i - 1].layer, *r.findings[i].layer);
  }
}

TEST_F(StackReportTest, FunctionCodeIsMeasuredFromAZipOrADirectory) {
  ZipBuilder code;
  code.File("app.py", std::string(1234, 'a'));
  code.File("lib/helper.py", std::string(66, 'b'));
  ASSERT_TRUE(code.Write(dir_ / "code.zip"));
  Result<uint64_t> zip_size = MeasureFunctionCode(dir_ / "code.zip");
  ASSERT_TRUE(zip_size.ok()) << zip_size.status().message();
  EXPECT_EQ(*zip_size, 1300u);

  ASSERT_EQ(::mkdir((dir_ / "src").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir_ / "src/pkg").c_str(), 0755), 0);
  WriteFile(dir_ / "src/app.py", std::string(1000, 'a'));
  WriteFile(dir_ / "src/pkg/m.py", std::string(24, 'b'));
  ASSERT_EQ(::symlink("app.py", (dir_ / "src/link.py").c_str()), 0);
  Result<uint64_t> dir_size = MeasureFunctionCode(dir_ / "src");
  ASSERT_TRUE(dir_size.ok()) << dir_size.status().message();
  EXPECT_EQ(*dir_size, 1024u);

  EXPECT_FALSE(MeasureFunctionCode(dir_ / "missing").ok());
  StackReport r = Report({code}, {.code_unzipped_bytes = 5});
  EXPECT_EQ(r.unzipped_bytes, 1305u);
}

}  // namespace
}  // namespace layerfs
