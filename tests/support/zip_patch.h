// Byte surgery on zip files the tests have already written: what no zip
// writer will produce on purpose. Renaming an entry to a duplicate or
// hostile name, flipping a byte of its data (a bad CRC), truncating the
// file, putting a stub in front of it.
//
// The zip structure is walked here independently of fs/central_directory
// (a test must not trust the reader it checks): end record, optional zip64
// end record, central records, local headers. Entry i is the i-th central
// record. Plain functions; each rewrites one file and is for test threads.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layerfs::testing_zip {

// Where an entry's pieces sit in the file.
struct EntryLocation {
  uint64_t central_offset = 0;  // its central-directory record
  uint64_t local_offset = 0;    // its local header
  uint64_t data_offset = 0;     // first byte after the local header
  uint64_t compressed_size = 0;
  uint16_t flags = 0;           // general purpose bits, central record
  std::string name;             // raw bytes, from the central record
};

// Reads the entry table of a zip file with no prefix.
::testing::AssertionResult LocateEntries(const std::string& path,
                                         std::vector<EntryLocation>* entries);

// Gives entry `index` the raw name `name` (same length as the old one), in
// its central record and its local header. Any bytes are allowed: NUL,
// "..", a leading slash, a name another entry already has.
::testing::AssertionResult RenameEntry(const std::string& path, size_t index,
                                       const std::string& name);

// Sets (`on`) or clears bits of entry `index`'s general purpose flags, in
// both headers (e.g. 0x800, "the name is UTF-8").
::testing::AssertionResult SetEntryFlags(const std::string& path, size_t index,
                                         uint16_t mask, bool on);

// Inverts the byte at `offset` of entry `index`'s (compressed) data.
::testing::AssertionResult FlipDataByte(const std::string& path, size_t index,
                                        uint64_t offset);

// Overwrites bytes at an absolute file offset.
::testing::AssertionResult OverwriteBytes(const std::string& path, uint64_t offset,
                                          const std::string& bytes);

// Cuts the file to `size` bytes.
::testing::AssertionResult TruncateFile(const std::string& path, uint64_t size);

// Puts `prefix` before the archive without touching its offsets, as a
// self-extractor stub does.
::testing::AssertionResult PrependBytes(const std::string& path, const std::string& prefix);

// An extra field a test reserves with ZipBuilder::ExtraField(
// kPlaceholderExtraId, kPlaceholderExtra) for ClaimZip64Size to rewrite.
constexpr uint16_t kPlaceholderExtraId = 0x9999;
constexpr char kPlaceholderExtra[] = "ZZZZZZZZ";

// Makes entry `index` (written with the placeholder extra field) claim an
// uncompressed size of `size` through a zip64 extra field, as no writer
// would for a few stored bytes: its central record says 0xffffffff and the
// placeholder becomes the zip64 field holding `size`.
::testing::AssertionResult ClaimZip64Size(const std::string& path, size_t index,
                                          uint64_t size);

// Little-endian encoders, for building extra fields and patches.
std::string Le16(uint16_t v);
std::string Le32(uint32_t v);

}  // namespace layerfs::testing_zip
