// Cases in the database: create with the next per-year number, load, save,
// list. Saving writes the whole case (row, lists, milestones) in the caller's
// transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/case.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

// Reserves the next number of `year` (inside the caller's transaction).
CaseId next_case_id(Database& db, const std::string& prefix, int year);

void insert_case(Database& db, const Case& c, const CaseId& id, const std::string& norm_subject);
void save_case(Database& db, const Case& c);
std::optional<Case> load_case(Database& db, const std::string& id);
// Open cases (or all), in id order (year, number).
std::vector<Case> list_cases(Database& db, bool include_closed);
std::vector<std::string> open_case_ids(Database& db);

struct CaseCounts {
    int reports = 0;
    int messages = 0;
};
CaseCounts case_counts(Database& db, const std::string& id);

}  // namespace embargo::storage
