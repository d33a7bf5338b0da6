#include "engine/context.hpp"

namespace nuthatch {
namespace {
thread_local std::shared_ptr<CallContext::Frame> t_current;
}

namespace context {
const std::shared_ptr<CallContext::Frame>& current() { return t_current; }

Push::Push(std::shared_ptr<CallContext::Frame> frame) : saved_(std::move(t_current)) {
  t_current = std::move(frame);
}
Push::~Push() { t_current = std::move(saved_); }
}  // namespace context

CallContext CallContext::capture() {
  CallContext c;
  c.frame_ = t_current;
  return c;
}

CallContext::Scope::Scope(const CallContext& context) {
  auto saved = std::make_shared<std::shared_ptr<Frame>>(std::move(t_current));
  t_current = context.frame_;
  saved_ = saved;
}

CallContext::Scope::~Scope() {
  t_current = std::move(*std::static_pointer_cast<std::shared_ptr<Frame>>(saved_));
}

}  // namespace nuthatch
