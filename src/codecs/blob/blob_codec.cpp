// Opaque byte payloads stored as they are. The same codec serves every backend whose
// bytes are produced elsewhere: "blob" for C++ nh::Bytes, and "pickle", whose payloads
// the Python layer encodes before calling the engine. (Tables, encoded by pyarrow, are
// the folder-of-partitions backend in codecs/parquet/.)

#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

class BlobCodec final : public Codec {
 public:
  BlobCodec(std::string_view name, std::string_view extension, bool runs_code_on_read)
      : name_(name), extension_(extension), runs_code_on_read_(runs_code_on_read) {}

  std::string_view name() const override { return name_; }
  std::string_view extension() const override { return extension_; }
  bool runs_code_on_read() const override { return runs_code_on_read_; }
  const std::type_info& stored_type() const override { return typeid(Bytes); }

  std::string encode(const Boxed& value, const Value& kwargs) const override {
    if (value.empty()) throw CodecError(name_ + ": nothing to encode (empty value)");
    if (!value.holds<Bytes>()) {
      throw CodecError(name_ + ": cannot encode " + type_name(value.type()) +
                       ", expected nuthatch::Bytes");
    }
    return value.as<Bytes>().str();
  }

  Boxed decode(std::string_view bytes, const Value& kwargs) const override {
    return Boxed::make(Bytes(std::string(bytes)));
  }

 private:
  std::string name_;
  std::string extension_;
  bool runs_code_on_read_;
};

const CodecRegistrar kBlob(std::make_shared<BlobCodec>("blob", ".bin", false));
// Unpickling runs code: only trusted locations hand these payloads to the front end.
const CodecRegistrar kPickle(std::make_shared<BlobCodec>("pickle", ".pkl", true));

}  // namespace
}  // namespace nuthatch
