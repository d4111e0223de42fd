// The view registry and CSV export.
#include "app/views/view.h"

#include "app/views/architecture_view.h"
#include "app/views/attention_view.h"
#include "app/views/ledger_view.h"
#include "app/views/load_view.h"
#include "app/views/mask_view.h"
#include "app/views/metrics_view.h"
#include "app/views/objective_view.h"
#include "app/views/router_view.h"
#include "app/views/tokens_view.h"

namespace archscope::views {

const Actions& ViewContext::act() const {
  static const Actions none;
  return actions ? *actions : none;
}

std::vector<std::unique_ptr<View>> make_all_views() {
  std::vector<std::unique_ptr<View>> v;
  v.push_back(std::make_unique<ArchitectureView>());
  v.push_back(std::make_unique<MaskView>());
  v.push_back(std::make_unique<AttentionView>());
  v.push_back(std::make_unique<RouterView>());
  v.push_back(std::make_unique<LoadView>());
  v.push_back(std::make_unique<TokensView>());
  v.push_back(std::make_unique<MetricsView>());
  v.push_back(std::make_unique<LedgerView>());
  v.push_back(std::make_unique<ObjectiveView>());
  return v;
}

std::vector<std::string> view_ids() {
  std::vector<std::string> ids;
  for (const auto& v : make_all_views()) ids.push_back(v->id());
  return ids;
}

std::unique_ptr<View> make_view(const std::string& id) {
  for (auto& v : make_all_views())
    if (id == v->id()) return std::move(v);
  return nullptr;
}

std::string to_csv(const std::vector<std::vector<std::string>>& table) {
  std::string out;
  for (const auto& row : table) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      const std::string& f = row[i];
      if (f.find_first_of(",\"\n\r") == std::string::npos) {
        out += f;
        continue;
      }
      out += '"';
      for (char ch : f) {
        if (ch == '"') out += '"';
        out += ch;
      }
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace archscope::views
