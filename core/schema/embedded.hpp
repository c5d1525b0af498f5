#pragma once
// The migration files under schema/, compiled into the binary (cmake/embed_schema.cmake).

#include <string>
#include <vector>

namespace nf::schema {

struct EmbeddedFile {
  std::string path;     // relative to schema/, e.g. "postgres/0001_core_tables.sql"
  std::string content;
};

const std::vector<EmbeddedFile>& embedded_files();

}  // namespace nf::schema
