// The asset table of a build configured with -DCRONIUM_WEB_UI=OFF: no files.

#include "webui/assets.h"

namespace cronium::webui {

const std::vector<Asset>& EmbeddedAssets() {
  static const std::vector<Asset> none;
  return none;
}

bool EmbeddedUiBuilt() { return false; }

}  // namespace cronium::webui
