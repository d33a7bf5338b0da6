// AzureStorage::put_large: one block blob from blocks staged in parallel.
//
// Invariants:
//  B1. The blob changes only at step 2 (Put Block List commits atomically): a reader sees
//      the old blob or the complete new one, never some blocks.
//  B2. Block ids are unique to this upload (a random tag plus the block's index, all of
//      one length as Azure requires): two writers of one blob staging at the same time
//      never overwrite each other's blocks, so each commit holds one writer's bytes.
//  B3. Blocks are staged by at most block_concurrency threads (each request also waits for
//      a slot of the client's max_concurrency); the first failure stops the others from
//      starting new blocks. Uncommitted blocks of a failed upload are discarded by Azure
//      after a week; nothing needs aborting.
//  B4. Blocks are block_size bytes but the last; the size grows when the payload would
//      need more than 50000 blocks.
//
// Steps:
//  1. PUT ?comp=block&blockid=<id> (each, in parallel)
//  2. PUT ?comp=blocklist with <BlockList><Latest>id</Latest>...</BlockList>

#include <cstdio>

#include "common/base64.hpp"
#include "common/ids.hpp"
#include "common/parallel.hpp"
#include "storage/azure/azure_storage.hpp"
#include "storage/http/digest.hpp"

namespace nuthatch {
namespace {

std::string block_id(const std::string& tag, std::size_t index) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%s-%06zu", tag.c_str(), index);
  return base64_encode(buffer);
}

}  // namespace

void AzureStorage::put_large(const std::string& blob, std::string_view data) const {
  const azure::AzureOptions& opts = client_.options();
  const PartLayout blocks = PartLayout::of(data.size(), opts.block_size, 1, azure::kMaxBlocks);
  const std::string tag = random_hex();
  std::vector<std::string> ids(blocks.count);
  for (std::size_t i = 0; i < blocks.count; ++i) ids[i] = block_id(tag, i);

  // 1. Stage, in parallel.
  run_parallel(blocks.count, opts.block_concurrency, [&](std::size_t i) {
    const std::string_view body = blocks.part(data, i);
    const http::Response response =
        client_.try_send({.method = "PUT",
                          .blob = blob,
                          .query = {{"comp", "block"}, {"blockid", ids[i]}},
                          .headers = {{"Content-MD5", base64_encode(http::md5(body))}},
                          .body = body});
    if (!response.ok()) {
      client_.fail("cannot stage block " + std::to_string(i + 1) + " of", blob, response);
    }
  });

  // 2. Commit.
  std::string list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const std::string& id : ids) list += "<Latest>" + id + "</Latest>";
  list += "</BlockList>";
  const http::Response committed =
      client_.try_send({.method = "PUT",
                        .blob = blob,
                        .query = {{"comp", "blocklist"}},
                        .headers = {{"Content-Type", "application/xml"},
                                    {"x-ms-blob-content-type", "application/octet-stream"}},
                        .body = list});
  if (!committed.ok()) client_.fail("cannot commit the blocks of", blob, committed);
}

}  // namespace nuthatch
