// loadDocument() reads no more of a file than a config document may hold (4 MiB): a huge or
// endless file is refused at once instead of being read into memory whole.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "se/document_loader.h"

namespace floe::se {
namespace {

namespace fs = std::filesystem;

TEST(LoadDocument, RefusesAFileLargerThanTheDocumentLimit) {
  std::string templ = (fs::temp_directory_path() / "floe-load-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path file = fs::path(templ) / "big.json";
  {
    std::ofstream out(file, std::ios::binary);
    out << "{}" << std::string(config::kMaxDocumentBytes, ' ');
  }
  const Loaded loaded = loadDocument(file, "se1");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0],
            file.string() + ": larger than 4194304 bytes (4 MiB), the limit of a config document");
  fs::remove_all(templ);
}

TEST(LoadDocument, RefusesAnEndlessFileWithoutReadingItAll) {
  const Loaded loaded = loadDocument("/dev/zero", "se1");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_NE(loaded.errors[0].find("larger than 4194304 bytes"), std::string::npos);
}

TEST(LoadDocument, ReadsADocumentOfExactlyTheLimit) {
  std::string templ = (fs::temp_directory_path() / "floe-load-XXXXXX").string();
  ASSERT_NE(mkdtemp(templ.data()), nullptr);
  const fs::path file = fs::path(templ) / "full.json";
  {
    std::ofstream out(file, std::ios::binary);
    out << "{}" << std::string(config::kMaxDocumentBytes - 2, ' ');
  }
  const Loaded loaded = loadDocument(file, "");
  for (const auto& e : loaded.errors) EXPECT_EQ(e.find("larger than"), std::string::npos) << e;
  EXPECT_TRUE(loaded.report.ok());
  fs::remove_all(templ);
}

}  // namespace
}  // namespace floe::se
