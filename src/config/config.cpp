// The configuration state. Invariants:
//  1. Files are read once, on first use after start or reset_config(), under the
//     exclusive lock; a file that fails to parse leaves the state unread, so every
//     access reports the error again until the file is fixed.
//  2. Every change (set_parameter, config_parameter, reset_config) happens under the
//     exclusive lock, bumps the generation and clears every cache, so nothing cached is
//     older than the configuration it came from.
//  3. A value computed under one generation enters a cache only if the generation is
//     still the same when it is stored.
//  4. Providers are called with no state lock held (a provider may read parameters
//     itself), one call at a time per provider; the result is kept for its generation.
//  5. Environment variables are read when a parameter is first resolved in a generation
//     (so a change to the environment is seen after reset_config()).

#include "config/config.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <tuple>
#include <type_traits>

#include <fmt/format.h>

#include "config/env.hpp"
#include "config/params.hpp"
#include "config/paths.hpp"
#include "config/secrets.hpp"
#include "config/toml_file.hpp"
#include "nuthatch/config.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCodeSource = "code";
constexpr std::string_view kDefaultSource = "default";
constexpr std::string_view kHomeSource = "~/.nuthatch.toml";
constexpr std::string_view kOptionsName = "filesystem_options";
constexpr std::string_view kDynamicValue = "<dynamic>";
constexpr std::string_view kAllowPackageConfigEnv = "NUTHATCH_ALLOW_INSTALLED_PACKAGE_CONFIGURATION";
constexpr std::string_view kMirrorPrefix = "mirror";

// --- configuration scoped by package ----------------------------------------------------

/// Whether a module file belongs to an installed package (a site-packages or
/// dist-packages folder on its path), whose configuration must not redirect the user's.
bool is_installed(const fs::path& module_file) {
  for (const fs::path& part : module_file) {
    if (part == "site-packages" || part == "dist-packages") return true;
  }
  return false;
}

bool installed_packages_may_configure() {
  const char* text = std::getenv(std::string(kAllowPackageConfigEnv).c_str());
  if (text == nullptr) return false;
  std::string value(text);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value == "true" || value == "1" || value == "t";
}

/// The location an installed package's `location` becomes for the user: root ->
/// mirror-<package>-root, mirror -> mirror-<package>, mirror<x> -> mirror-<package>-<x>
/// (a '-' after "mirror" is not doubled); nullopt for local.
std::optional<std::string> package_mirror(const std::string& package, const std::string& location) {
  if (location == kRootLocation) return fmt::format("{}-{}-root", kMirrorPrefix, package);
  if (location == kLocalLocation) return std::nullopt;
  std::string_view rest = location;
  rest.remove_prefix(kMirrorPrefix.size());  // a location is root, local or mirror*
  if (rest.starts_with('-')) rest.remove_prefix(1);
  if (rest.empty()) return fmt::format("{}-{}", kMirrorPrefix, package);
  return fmt::format("{}-{}-{}", kMirrorPrefix, package, rest);
}

void check_package_name(const std::string& package) {
  if (package.empty() || std::any_of(package.begin(), package.end(), [](unsigned char c) {
        return !(std::isalnum(c) || c == '_' || c == '-');
      })) {
    throw ConfigError(fmt::format(
        "'{}' is not a package name (letters, digits, '_' and '-')", package));
  }
}

/// A package's registration: where its module lives.
struct PackageConfig {
  std::string package;
  fs::path module_file;
};

// --- parameters set in code --------------------------------------------------------------

struct Provider {
  explicit Provider(std::function<Value()> fn) : call(std::move(fn)) {}

  const std::function<Value()> call;
  std::mutex mutex;  // held during a call; guards the members below
  std::uint64_t generation = 0;
  std::optional<Value> value;  // the result of the call made in `generation`
};

struct CodeParam {
  Value value;
  std::shared_ptr<Provider> provider;  // set for config_parameter
  bool secret = false;
};

// A parameter as found in its highest-priority source.
struct Found {
  Scope scope;
  std::string name;
  Value value;  // unused when provider is set
  std::shared_ptr<Provider> provider;
  std::string source;
  bool secret = false;
};
using FoundPtr = std::shared_ptr<const Found>;

ConfigError provider_error(const Found& found, std::string_view what) {
  return ConfigError(redact(fmt::format("secret provider for parameter '{}' ({}) failed: {}",
                                        found.name, describe(found.scope), what)));
}

Value provider_value(const Found& found, std::uint64_t generation) {
  Provider& provider = *found.provider;
  std::lock_guard lock(provider.mutex);
  if (provider.value && provider.generation == generation) return *provider.value;
  Value value;
  try {
    value = provider.call();
  } catch (const std::exception& e) {
    throw provider_error(found, e.what());
  } catch (...) {
    throw provider_error(found, "unknown exception");
  }
  check_parameter(found.name, value, found.scope, "the secret provider");
  remember_secrets(value, found.secret);
  provider.value = value;
  provider.generation = generation;
  return value;
}

// The provider's value if it was already called in `generation` (print-config must not
// call providers unless asked to show secrets).
std::optional<Value> called_provider_value(Provider& provider, std::uint64_t generation) {
  std::lock_guard lock(provider.mutex);
  if (provider.generation != generation) return std::nullopt;
  return provider.value;
}

struct FileLayer {
  std::string source;
  ParamTable params;
};

int location_rank(const std::string& location) {
  if (location == kLocalLocation) return 0;
  if (location == kRootLocation) return 1;
  return 2;
}

// --- the state -------------------------------------------------------------------------------

class State {
 public:
  static State& instance() {
    static auto* state = new State;  // never destroyed: usable from static destructors
    return *state;
  }

  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void set(const std::string& name, CodeParam param, const ParamOptions& options) {
    check_location_name(options.location);
    if (name.empty()) throw ConfigError("cannot set a parameter with an empty name");
    const Scope scope{options.location, options.backend};
    param.secret = options.secret;
    if (!param.provider) {
      check_parameter(name, param.value, scope, kCodeSource);
      remember_secrets(param.value, param.secret || is_secret_name(name));
    }
    {
      std::unique_lock lock(mutex_);
      code_[scope][name] = std::move(param);
      changed();
    }
    notify_change();
  }

  void reset() {
    {
      std::unique_lock lock(mutex_);
      code_.clear();
      files_.clear();
      packages_.clear();
      loaded_ = false;
      changed();
    }
    notify_change();
  }

  std::optional<Value> parameter(const std::string& name, const std::string& location,
                                 const std::string& backend) {
    check_location_name(location);
    ParamKey key{location, backend, name};
    std::uint64_t generation = 0;
    bool cached = false;
    FoundPtr found = read([&] {
      generation = this->generation();
      if (auto it = param_cache_.find(key); it != param_cache_.end()) {
        cached = true;
        return it->second;
      }
      return resolve(Scope{location, backend}, name);
    });
    if (!cached) {
      if (found && !found->provider) {
        check_parameter(name, found->value, found->scope, found->source);
        remember_secrets(found->value, found->secret);
      }
      store(generation, [&] { param_cache_.emplace(std::move(key), found); });
    }
    if (!found) return std::nullopt;
    if (found->provider) return provider_value(*found, generation);
    return found->value;
  }

  /// Where the effective value of a parameter comes from, or nullopt when it is unset.
  std::optional<std::string> source(const std::string& name, const std::string& location,
                                    const std::string& backend) {
    parameter(name, location, backend);  // resolves and caches it
    FoundPtr found = read([&] {
      auto it = param_cache_.find(ParamKey{location, backend, name});
      return it == param_cache_.end() ? FoundPtr() : it->second;
    });
    if (!found) return std::nullopt;
    return found->source;
  }

  LocationSpec location(const std::string& name, const std::string& backend) {
    check_location_name(name);
    const Scope scope{name, backend};
    std::uint64_t generation = 0;
    fs::path project;
    std::optional<LocationSpec> cached = read([&]() -> std::optional<LocationSpec> {
      generation = this->generation();
      project = project_dir_;
      if (auto it = location_cache_.find(scope); it != location_cache_.end()) return it->second;
      return std::nullopt;
    });
    if (cached) return std::move(*cached);

    std::optional<Value> url = parameter("filesystem", name, backend);
    if (!url) {
      throw ConfigError(fmt::format(
          "location '{}' has no filesystem configured (set 'filesystem' in its table of "
          "nuthatch.toml / pyproject.toml, or with set_parameter)",
          name));
    }
    std::optional<Value> options = parameter("filesystem_options", name, backend);
    LocationSpec spec{
        .name = name,
        .backend = backend,
        .url = expand_path(url->as<std::string>(), project),
        .options = options ? std::move(*options) : Value::object(),
        .read_only = is_mirror_name(name),
    };
    store(generation, [&] { location_cache_.emplace(scope, spec); });
    return spec;
  }

  void add_package(const std::string& package, const fs::path& module_file) {
    check_package_name(package);
    {
      std::unique_lock lock(mutex_);
      for (const PackageConfig& known : packages_) {
        if (known.package == package && known.module_file.parent_path() == module_file.parent_path()) {
          return;
        }
      }
      packages_.push_back({package, module_file});
      files_.clear();
      loaded_ = false;  // read again, with the package's file, on next use
      changed();
    }
    notify_change();
  }

  std::vector<std::string> location_names() {
    std::uint64_t generation = 0;
    bool cached = false;
    std::vector<std::string> names = read([&] {
      generation = this->generation();
      cached = names_cache_.has_value();
      if (cached) return *names_cache_;
      std::set<std::string> mirrors = configured_mirrors();
      for (const EnvParameter& env : env_parameters(mirrors)) {
        if (is_mirror_name(env.scope.location)) mirrors.insert(env.scope.location);
      }
      std::vector<std::string> all = {std::string(kLocalLocation), std::string(kRootLocation)};
      all.insert(all.end(), mirrors.begin(), mirrors.end());
      return all;
    });
    if (!cached) store(generation, [&] { names_cache_ = names; });
    return names;
  }

  std::vector<std::string> overridden_backends(const std::string& location) {
    check_location_name(location);
    return read([&] {
      std::set<std::string> backends;
      auto add = [&](const Scope& scope, bool has_storage) {
        if (scope.location == location && !scope.backend.empty() && has_storage) {
          backends.insert(scope.backend);
        }
      };
      auto names_storage = [](const auto& params) {
        return params.contains("filesystem") || params.contains("filesystem_options");
      };
      for (const auto& [scope, params] : code_) add(scope, names_storage(params));
      for (const FileLayer& file : files_) {
        for (const auto& [scope, params] : file.params) add(scope, names_storage(params));
      }
      for (const EnvParameter& env : env_parameters(configured_mirrors())) {
        add(env.scope, env.name == "filesystem" || env.name == "filesystem_options");
      }
      return std::vector<std::string>(backends.begin(), backends.end());
    });
  }

  fs::path project_dir() {
    return read([&] { return project_dir_; });
  }

  std::vector<ParamEntry> dump(bool show_secrets) {
    std::uint64_t generation = 0;
    std::vector<FoundPtr> found = read([&] {
      generation = this->generation();
      std::set<std::pair<Scope, std::string>> keys;
      for (const auto& [scope, params] : code_) {
        for (const auto& [name, param] : params) keys.emplace(scope, name);
      }
      for (const FileLayer& file : files_) {
        for (const auto& [scope, params] : file.params) {
          for (const auto& [name, value] : params) keys.emplace(scope, name);
        }
      }
      for (EnvParameter& env : env_parameters(configured_mirrors())) {
        keys.emplace(std::move(env.scope), std::move(env.name));
      }
      std::vector<FoundPtr> all;
      for (const auto& [scope, name] : keys) {
        if (FoundPtr one = find(scope, name)) all.push_back(std::move(one));
      }
      return all;
    });

    std::vector<ParamEntry> entries;
    for (const FoundPtr& one : found) entries.push_back(dump_entry(*one, show_secrets, generation));
    std::sort(entries.begin(), entries.end(), [](const ParamEntry& a, const ParamEntry& b) {
      return std::tuple(location_rank(a.location), a.location, a.backend, a.name) <
             std::tuple(location_rank(b.location), b.location, b.backend, b.name);
    });
    return entries;
  }

 private:
  using ParamKey = std::tuple<std::string, std::string, std::string>;  // location, backend, name

  State() = default;

  // Runs `f` under the shared lock, after reading the files if needed.
  template <class F>
  std::invoke_result_t<F&> read(F&& f) {
    for (;;) {
      {
        std::shared_lock lock(mutex_);
        if (loaded_) return f();
      }
      bool loaded_now = false;
      {
        std::unique_lock lock(mutex_);
        if (!loaded_) {
          load();
          loaded_now = true;
        }
      }
      if (loaded_now) notify_change();  // the files' settings take effect now
    }
  }

  // Runs `f` (which fills a cache) under the exclusive lock if nothing changed since
  // `generation`.
  template <class F>
  void store(std::uint64_t generation, F&& f) {
    std::unique_lock lock(mutex_);
    if (this->generation() == generation) f();
  }

  // Exclusive lock held.
  void changed() {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    param_cache_.clear();
    location_cache_.clear();
    names_cache_.reset();
  }

  // Exclusive lock held.
  void load() {
    const ProjectFile project = find_working_project();
    std::vector<FileLayer> files;  // highest priority first
    std::vector<FileLayer> package_mirrors;
    std::set<fs::path> seen;
    if (project.file) seen.insert(*project.file);
    const bool allowed = installed_packages_may_configure();
    for (const PackageConfig& registered : packages_) {
      const ProjectFile own = find_project(registered.module_file.parent_path());
      if (!own.file || !seen.insert(*own.file).second) continue;
      ParamTable params = read_config_file(*own.file, own.kind);
      const std::string source = fmt::format("{} (package {})", own.file->string(), registered.package);
      if (allowed || !is_installed(registered.module_file)) {
        files.push_back({source, std::move(params)});  // over the working directory's project
        continue;
      }
      ParamTable renamed;
      for (auto& [scope, values] : params) {
        if (std::optional<std::string> mirror = package_mirror(registered.package, scope.location)) {
          renamed[Scope{*mirror, scope.backend}] = std::move(values);
        }
      }
      package_mirrors.push_back({source, std::move(renamed)});
    }
    if (project.file) {
      files.push_back({project.file->string(), read_config_file(*project.file, project.kind)});
    }
    if (const std::optional<fs::path> global = global_config_file()) {
      std::error_code error;
      if (fs::is_regular_file(*global, error)) {
        const bool named = *global != home_dir() / ".nuthatch.toml";
        files.push_back({named ? global->string() : std::string(kHomeSource),
                         read_config_file(*global, FileKind::home)});
      }
    }
    for (FileLayer& layer : package_mirrors) files.push_back(std::move(layer));
    files.push_back({std::string(kDefaultSource), default_parameters(project.dir)});
    for (const FileLayer& file : files) {
      for (const auto& [scope, params] : file.params) {
        for (const auto& [name, value] : params) remember_secrets(value, is_secret_name(name));
      }
    }
    files_ = std::move(files);
    project_dir_ = project.dir;
    loaded_ = true;
  }

  // Shared lock held. A backend-specific value from any source beats a backend-agnostic
  // value from any source: an override table exists to differ from its location, so an
  // environment variable for the whole location must not silently cancel it.
  FoundPtr resolve(const Scope& scope, const std::string& name) const {
    if (!scope.backend.empty()) {
      if (FoundPtr found = find(scope, name)) return found;
    }
    return find(Scope{scope.location, ""}, name);
  }

  // Shared lock held. The value of exactly (scope, name) from the highest-priority source:
  // code, environment, project file, home file, defaults.
  FoundPtr find(const Scope& scope, const std::string& name) const {
    const bool secret_name = is_secret_name(name);
    auto make = [&](Value value, std::shared_ptr<Provider> provider, std::string_view source,
                    bool secret) {
      return std::make_shared<const Found>(Found{scope, name, std::move(value), std::move(provider),
                                                 std::string(source), secret || secret_name});
    };
    if (auto params = code_.find(scope); params != code_.end()) {
      if (auto it = params->second.find(name); it != params->second.end()) {
        return make(it->second.value, it->second.provider, kCodeSource, it->second.secret);
      }
    }
    std::optional<EnvValue> env = env_parameter(scope, name);
    const auto keys = name == kOptionsName ? env_option_keys(scope)
                                           : std::vector<std::pair<std::string, EnvValue>>{};
    if (keys.empty()) {
      if (env) return make(std::move(env->value), nullptr, "env " + env->variable, false);
      return find_in_files(scope, name, make);
    }
    // Variables for single keys of the options go over what the sources below them say
    // (the whole options from the environment, a file, or the location's own).
    FoundPtr below = env ? make(std::move(env->value), nullptr, "env " + env->variable, false)
                         : find_in_files(scope, name, make);
    if (below == nullptr && !scope.backend.empty()) below = find(Scope{scope.location, ""}, name);
    Value options = below != nullptr && below->value.is_object() ? below->value : Value::object();
    std::string source = "env";
    for (const auto& [key, value] : keys) {
      options[key] = value.value;
      source += " " + value.variable;
    }
    return make(std::move(options), nullptr, source, false);
  }

  template <class Make>
  FoundPtr find_in_files(const Scope& scope, const std::string& name, Make& make) const {
    for (const FileLayer& file : files_) {
      if (auto params = file.params.find(scope); params != file.params.end()) {
        if (auto it = params->second.find(name); it != params->second.end()) {
          return make(it->second, nullptr, file.source, false);
        }
      }
    }
    return nullptr;
  }

  // Shared lock held. Mirrors named by files or code (the environment is listed apart).
  std::set<std::string> configured_mirrors() const {
    std::set<std::string> mirrors;
    for (const auto& [scope, params] : code_) {
      if (is_mirror_name(scope.location)) mirrors.insert(scope.location);
    }
    for (const FileLayer& file : files_) {
      for (const auto& [scope, params] : file.params) {
        if (is_mirror_name(scope.location)) mirrors.insert(scope.location);
      }
    }
    return mirrors;
  }

  static ParamEntry dump_entry(const Found& found, bool show_secrets, std::uint64_t generation) {
    ParamEntry entry{.location = found.scope.location,
                     .backend = found.scope.backend,
                     .name = found.name,
                     .value = Value(),
                     .source = found.source,
                     .secret = found.secret};
    std::optional<Value> value;
    if (!found.provider) {
      value = found.value;
      remember_secrets(*value, found.secret);
    } else if (show_secrets) {
      value = provider_value(found, generation);
    } else {
      value = called_provider_value(*found.provider, generation);
    }
    if (!value) {
      entry.value = Value(kDynamicValue);
      return entry;
    }
    bool masked = false;
    Value shown = mask_secrets(*value, found.secret, &masked);
    entry.secret = entry.secret || masked;
    entry.value = show_secrets ? std::move(*value) : std::move(shown);
    return entry;
  }

  mutable std::shared_mutex mutex_;
  std::atomic<std::uint64_t> generation_{1};
  bool loaded_ = false;
  fs::path project_dir_;
  // Highest first: packages' project files, the project file, the home file, installed
  // packages' files as mirrors, defaults.
  std::vector<FileLayer> files_;
  std::vector<PackageConfig> packages_;
  std::map<Scope, std::map<std::string, CodeParam>> code_;
  // Caches, cleared on every change.
  std::map<ParamKey, FoundPtr> param_cache_;
  std::map<Scope, LocationSpec> location_cache_;
  std::optional<std::vector<std::string>> names_cache_;
};

}  // namespace

std::vector<std::string> location_names() { return State::instance().location_names(); }

LocationSpec location(const std::string& name, const std::string& backend) {
  return State::instance().location(name, backend);
}

std::vector<std::string> overridden_backends(const std::string& location) {
  return State::instance().overridden_backends(location);
}

std::uint64_t generation() { return State::instance().generation(); }

namespace {

struct Listeners {
  std::mutex mu;
  std::vector<std::function<void()>> all;
};
Listeners& listeners() {
  static auto* l = new Listeners();  // never destroyed: configuration changes at exit
  return *l;
}

}  // namespace

void on_change(std::function<void()> listener) {
  Listeners& l = listeners();
  std::lock_guard lock(l.mu);
  l.all.push_back(std::move(listener));
}

void notify_change() {
  // A listener reads the configuration, which may load the files and notify again on
  // this thread: the outer round already sees the newest state.
  thread_local bool notifying = false;
  if (notifying) return;
  notifying = true;
  std::vector<std::function<void()>> all;
  {
    Listeners& l = listeners();
    std::lock_guard lock(l.mu);
    all = l.all;
  }
  try {
    for (const auto& listener : all) listener();
  } catch (...) {
    notifying = false;
    throw;
  }
  notifying = false;
}

std::filesystem::path project_dir() { return State::instance().project_dir(); }

std::vector<ParamEntry> dump(bool show_secrets) { return State::instance().dump(show_secrets); }

bool is_set_by_user(const std::string& name, const std::string& location) {
  const std::optional<std::string> source = State::instance().source(name, location, "");
  return source && *source != kDefaultSource;
}

bool trusts_code_payloads(const std::string& location, const std::string& backend) {
  const std::optional<Value> trust =
      State::instance().parameter(std::string(kTrustPickleParameter), location, backend);
  if (trust && !trust->is_null()) return trust->as<bool>();  // a boolean: check_parameter
  return location == kRootLocation || location == kLocalLocation;
}

bool uses_legacy_layout(const std::string& location) {
  const std::optional<Value> layout =
      State::instance().parameter(std::string(kLayoutParameter), location, "");
  if (!layout || layout->is_null() || layout->as<std::string>() == "nuthatch") return false;
  if (!is_mirror_name(location)) {
    throw ConfigError(fmt::format(
        "location '{}': layout '{}' is read-only and only a mirror can declare it",
        location, layout->as<std::string>()));
  }
  return true;
}

}  // namespace nuthatch::config

namespace nuthatch {

void set_parameter(const std::string& name, Value value, const ParamOptions& options) {
  config::CodeParam param;
  param.value = std::move(value);
  config::State::instance().set(name, std::move(param), options);
}

void config_parameter(const std::string& name, std::function<Value()> provider,
                      const ParamOptions& options) {
  if (!provider) {
    throw ConfigError(fmt::format("config_parameter('{}'): the provider is empty", name));
  }
  config::CodeParam param;
  param.provider = std::make_shared<config::Provider>(std::move(provider));
  config::State::instance().set(name, std::move(param), options);
}

std::optional<Value> get_parameter(const std::string& name, const std::string& location,
                                   const std::string& backend) {
  return config::State::instance().parameter(name, location, backend);
}

std::optional<std::uint64_t> get_size_parameter(const std::string& name,
                                                const std::string& location,
                                                const std::string& backend) {
  const std::optional<Value> v = get_parameter(name, location, backend);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    if (std::optional<std::uint64_t> bytes = config::parse_byte_size(v->as<std::string>())) {
      return bytes;
    }
  } else if (v->kind() == Value::Kind::integer && v->as<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(v->as<std::int64_t>());
  }
  throw ConfigError(fmt::format("parameter '{}': {} is not a size (e.g. 4GB, 512MiB, 1000000)",
                                name, v->to_string()));
}

void reset_config() { config::State::instance().reset(); }

std::optional<std::string> global_config_path() {
  if (std::optional<std::filesystem::path> file = config::global_config_file()) return file->string();
  return std::nullopt;
}

void add_package_config(const std::string& package, const std::string& module_file) {
  if (module_file.empty()) return;
  std::error_code error;
  const std::filesystem::path file = std::filesystem::absolute(module_file, error);
  config::State::instance().add_package(package, error ? std::filesystem::path(module_file) : file);
}

std::optional<std::string> package_parameter_location(const std::string& package,
                                                      const std::string& module_file,
                                                      const std::string& location) {
  config::check_location_name(location);
  if (module_file.empty() || !config::is_installed(module_file) ||
      config::installed_packages_may_configure()) {
    return location;
  }
  config::check_package_name(package);
  return config::package_mirror(package, location);
}

}  // namespace nuthatch
