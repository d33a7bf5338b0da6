#pragma once
// A small XML tree for the responses of object stores (S3 and Azure answer in XML): just
// elements, their text and children, parsed with expat. Namespaces are dropped from
// names ("{ns}Key" and "s3:Key" are both "Key"); attributes are ignored.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nuthatch::xml {

struct Element {
  std::string name;
  std::string text;  ///< character data directly inside this element
  std::vector<std::unique_ptr<Element>> children;

  /// The first child named `name`, or nullptr.
  const Element* child(std::string_view name) const;
  /// The text of the first child named `name`, or "" when there is none.
  std::string child_text(std::string_view name) const;
  /// Every child named `name`, in document order.
  std::vector<const Element*> children_named(std::string_view name) const;
};

/// Parses a document; throws StorageError naming `what` (the request it answers) when it
/// is not well-formed XML.
std::unique_ptr<Element> parse(std::string_view document, std::string_view what);

/// Bodies longer than this are data, not an error document.
inline constexpr std::size_t kMaxErrorDocument = 64 * 1024;

/// The <Error> document an S3 or Azure error answer carries, or nullptr when `body` is
/// empty, longer than kMaxErrorDocument, not XML, or another document.
std::unique_ptr<Element> error_document(std::string_view body);

/// Escapes &, <, >, " and ' for element text.
std::string escape(std::string_view text);

}  // namespace nuthatch::xml
