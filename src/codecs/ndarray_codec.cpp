// An NDArray travels as a one-variable Dataset, the way xarray stores an unnamed
// DataArray, so arrays written from C++ open as DataArrays in Python and back.

#include <string>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {

Dataset codec<NDArray>::encode(const NDArray& a) {
  Variable var;
  var.dims.reserve(a.shape().size());
  for (std::size_t i = 0; i < a.shape().size(); ++i) var.dims.push_back("dim_" + std::to_string(i));
  var.data = a;
  Dataset d;
  d.variables.emplace(std::string(variable), std::move(var));
  return d;
}

NDArray codec<NDArray>::decode(const Dataset& d) {
  if (auto it = d.variables.find(std::string(variable)); it != d.variables.end()) {
    return it->second.data;
  }
  std::vector<std::string> data_vars;
  for (const auto& [name, var] : d.variables) {
    if (!d.coords.contains(name)) data_vars.push_back(name);
  }
  if (data_vars.size() == 1) return d.variables.at(data_vars.front()).data;
  std::string names;
  for (const auto& n : data_vars) names += (names.empty() ? "" : ", ") + n;
  throw CodecError("cannot read an array from a dataset with " +
                   std::to_string(data_vars.size()) + " data variables" +
                   (names.empty() ? std::string() : " (" + names + ")") +
                   ": expected one, or one named " + std::string(variable));
}

}  // namespace nuthatch
