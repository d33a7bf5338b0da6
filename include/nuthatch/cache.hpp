#pragma once
/// The typed C++ API: nh::cache(name, params, options, fn) -> nh::Cached<R(Args...)>.
///
///   auto f = nh::cache("f", {"x"}, {.cache_args = {"x"}}, [](int x) { return x * 2; });
///   int y = f(21);                                    // computed, stored, recalled
///   f.with({.cache_mode = nh::CacheMode::overwrite})(21);
///   std::string where = f.uri(21);                    // filepath_only
///
/// R is any type with an nh::codec<R>; std::optional<T> makes std::nullopt a null entry.
/// Argument types need an nh::to_value overload. The callable must have concrete
/// parameter types (no `auto` parameters).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nuthatch/codec.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/keys.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch {

namespace detail {

template <class R> struct result_traits {
  using value_type = R;
  static constexpr bool nullable = false;
};
template <class T> struct result_traits<std::optional<T>> {
  using value_type = T;
  static constexpr bool nullable = true;
};

[[noreturn]] void throw_backend_mismatch(const Codec& codec, const std::type_info& stored,
                                         const std::type_info& result);
[[noreturn]] void throw_null_for_non_optional(const std::type_info& result);
std::shared_ptr<const FunctionSpec> make_spec(std::string name, std::vector<std::string> params,
                                              CacheOptions options,
                                              std::shared_ptr<const ResultAdapter> adapter,
                                              std::string code, std::size_t arity);

/// Adapter built from nh::codec<T>.
template <class T>
class TypedAdapter final : public ResultAdapter {
  using C = codec<T>;
  using Stored = typename C::stored_type;

 public:
  std::string default_backend() const override { return std::string(C::backend); }
  Boxed to_stored(const Boxed& result, const Codec& codec) const override {
    if (codec.stored_type() != typeid(Stored)) throw_backend_mismatch(codec, typeid(Stored), typeid(T));
    if constexpr (std::is_same_v<T, Stored>) {
      return result;
    } else {
      return Boxed::make<Stored>(C::encode(result.as<T>()));
    }
  }
  Boxed from_stored(const Boxed& stored, const Codec& codec, const std::string&) const override {
    if (codec.stored_type() != typeid(Stored)) throw_backend_mismatch(codec, typeid(Stored), typeid(T));
    if constexpr (std::is_same_v<T, Stored>) {
      return stored;
    } else {
      return Boxed::make<T>(C::decode(stored.as<Stored>()));
    }
  }
  std::size_t memory_size(const Boxed& result) const override {
    using nuthatch::memory_size;
    return memory_size(result.as<T>());
  }
};

/// Turns the call's arguments into Values, recording the ones that cannot be keyed.
template <class... Args>
CallArgs make_call_args(const std::vector<std::string>& params, const Args&... args) {
  CallArgs out;
  out.values.reserve(sizeof...(Args));
  std::size_t i = 0;
  auto one = [&](const auto& a) {
    try {
      out.values.push_back(to_value(a));
    } catch (const std::exception&) {
      out.values.emplace_back();
      out.unkeyable.push_back(i < params.size() ? params[i] : std::to_string(i));
    }
    ++i;
  };
  (one(args), ...);
  return out;
}

}  // namespace detail

template <class Signature>
class Cached;

/// A cached function. Copies share the declaration; calls are thread-safe.
template <class R, class... Args>
class Cached<R(Args...)> {
  using Traits = detail::result_traits<R>;
  using T = typename Traits::value_type;

 public:
  Cached(std::shared_ptr<const FunctionSpec> spec, std::function<R(Args...)> fn,
         CallOptions call = {})
      : spec_(std::move(spec)), fn_(std::move(fn)), call_(std::move(call)) {}

  /// Calls through the cache.
  R operator()(Args... args) const {
    Boxed out = engine::call(*spec_, detail::make_call_args(spec_->params, args...), call_,
                             [&]() -> Boxed { return box(fn_(args...)); });
    return unbox(std::move(out));
  }

  /// The same function with per-call options (they replace earlier ones member-wise).
  Cached with(CallOptions options) const { return Cached(spec_, fn_, std::move(options)); }

  /// Where the entry for these arguments lives (filepath_only); computes and writes it
  /// first on a miss.
  std::string uri(Args... args) const {
    return engine::uri(*spec_, detail::make_call_args(spec_->params, args...), call_,
                       [&]() -> Boxed { return box(fn_(args...)); });
  }

  const FunctionSpec& spec() const { return *spec_; }

 private:
  static Boxed box(R r) {
    if constexpr (Traits::nullable) {
      if (!r) return {};
      return Boxed::make<T>(std::move(*r));
    } else {
      return Boxed::make<T>(std::move(r));
    }
  }
  static R unbox(Boxed b) {
    if (b.empty()) {
      if constexpr (Traits::nullable) {
        return std::nullopt;
      } else {
        detail::throw_null_for_non_optional(typeid(T));
      }
    }
    return b.as<T>();
  }

  std::shared_ptr<const FunctionSpec> spec_;
  std::function<R(Args...)> fn_;
  CallOptions call_;
};

/// Declares a cached function. `params` names fn's arguments in order (their count must
/// match fn's arity: ConfigError otherwise). Throws KeyError for an invalid name.
template <class F>
auto cache(std::string name, std::vector<std::string> params, CacheOptions options, F&& fn) {
  using Fn = decltype(std::function{std::declval<std::decay_t<F>>()});
  return [&]<class R, class... Args>(std::function<R(Args...)>*) {
    static_assert(!std::is_void_v<R>, "a cached function must return a value");
    using T = typename detail::result_traits<R>::value_type;
    auto adapter = std::make_shared<detail::TypedAdapter<T>>();
    auto spec = detail::make_spec(std::move(name), std::move(params), std::move(options),
                                  std::move(adapter), "", sizeof...(Args));
    return Cached<R(Args...)>(std::move(spec), std::function<R(Args...)>(std::forward<F>(fn)));
  }(static_cast<Fn*>(nullptr));
}

}  // namespace nuthatch
