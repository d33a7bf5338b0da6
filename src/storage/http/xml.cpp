#include "storage/http/xml.hpp"

#include <expat.h>

#include <climits>

#include "nuthatch/error.hpp"

namespace nuthatch::xml {
namespace {

// expat reports names as "uri|local" with a namespace separator set; keep the local part.
constexpr char kNamespaceSeparator = '|';

std::string local_name(const char* name) {
  std::string_view n(name);
  if (const std::size_t sep = n.rfind(kNamespaceSeparator); sep != std::string_view::npos) {
    n.remove_prefix(sep + 1);
  }
  if (const std::size_t colon = n.rfind(':'); colon != std::string_view::npos) {
    n.remove_prefix(colon + 1);
  }
  return std::string(n);
}

struct Builder {
  std::unique_ptr<Element> root;
  std::vector<Element*> open;
};

void on_start(void* user, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* b = static_cast<Builder*>(user);
  auto element = std::make_unique<Element>();
  element->name = local_name(name);
  Element* raw = element.get();
  if (b->open.empty()) {
    b->root = std::move(element);
  } else {
    b->open.back()->children.push_back(std::move(element));
  }
  b->open.push_back(raw);
}

void on_end(void* user, const XML_Char* /*name*/) { static_cast<Builder*>(user)->open.pop_back(); }

void on_text(void* user, const XML_Char* text, int length) {
  auto* b = static_cast<Builder*>(user);
  if (!b->open.empty()) b->open.back()->text.append(text, static_cast<std::size_t>(length));
}

}  // namespace

const Element* Element::child(std::string_view wanted) const {
  for (const auto& c : children) {
    if (c->name == wanted) return c.get();
  }
  return nullptr;
}

std::string Element::child_text(std::string_view wanted) const {
  const Element* c = child(wanted);
  return c != nullptr ? c->text : std::string();
}

std::vector<const Element*> Element::children_named(std::string_view wanted) const {
  std::vector<const Element*> out;
  for (const auto& c : children) {
    if (c->name == wanted) out.push_back(c.get());
  }
  return out;
}

std::unique_ptr<Element> parse(std::string_view document, std::string_view what) {
  if (document.size() > static_cast<std::size_t>(INT_MAX)) {
    throw StorageError("the XML answer to " + std::string(what) + " is too large");
  }
  XML_Parser parser = XML_ParserCreateNS(nullptr, kNamespaceSeparator);
  if (parser == nullptr) throw StorageError("cannot create an XML parser");
  Builder builder;
  XML_SetUserData(parser, &builder);
  XML_SetElementHandler(parser, &on_start, &on_end);
  XML_SetCharacterDataHandler(parser, &on_text);
  const XML_Status status =
      XML_Parse(parser, document.data(), static_cast<int>(document.size()), XML_TRUE);
  std::string error;
  if (status != XML_STATUS_OK) {
    error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
            std::to_string(XML_GetCurrentLineNumber(parser));
  }
  XML_ParserFree(parser);
  if (!error.empty() || !builder.root) {
    throw StorageError("the answer to " + std::string(what) +
                       " is not valid XML: " + (error.empty() ? std::string("no element") : error));
  }
  return std::move(builder.root);
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::unique_ptr<Element> error_document(std::string_view body) {
  if (body.empty() || body.size() > kMaxErrorDocument) return nullptr;
  try {
    auto root = parse(body, "an error answer");
    if (root->name == "Error") return root;
  } catch (const Error&) {
    // Not XML: no detail.
  }
  return nullptr;
}

}  // namespace nuthatch::xml
