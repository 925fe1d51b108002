#pragma once

// Live output across nodes that share one database (issue #9). A reader on node B of a run on
// node A: B publishes a watch of the execution; every other node subscribes its OutputHub to
// that execution and publishes what its hub delivers (the backlog, then each batch of lines)
// addressed to B's watch; B hands those messages to the reader's sink. Only the node that runs
// an execution has lines for it, so the reader gets each line once, in order, whenever it came.
//
// The transport is the caller's (server::Cluster: PostgreSQL NOTIFY): `publish` must deliver
// each payload to every node, this one included, in the order this node published them, and
// must never block (sinks run on the threads that feed the hub). `Received` takes every
// payload. Payloads stay under kMaxPayload bytes and are valid UTF-8 when the messages are:
// a longer message goes in parts, cut between characters. Thread-safe.
//
// A node whose transport lost payloads for a while (PostgreSQL: its listening connection was
// replaced) calls Resync. It asks the node that runs each of its watched executions for the
// backlog again, and skips what its readers already had (messages carry their lines'
// sequences: a batch had whole is dropped, one had in part is cut to the lines that are new);
// and it asks every other node to announce its watches again, for those it missed. Lines lost
// for good show as a jump in sequences, which live::Follower tells its reader as skipped.
//
// Payloads (tab-separated; node ids hold no tab):
//   W <node> <watch> <execution>          node watches execution (again: no effect)
//   R <node> <watch> <execution>          node watches execution, and lost messages: the
//                                          backlog again, then every line
//   S <node>                               node lost payloads: every node announces its
//                                          watches again
//   U <node> <watch>                       node stopped watching
//   O <node> <watch> <serial> <more> <part>  a part of a message for node's watch; more = 1
//                                          while parts of the same message follow

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "live/output_hub.h"

namespace cronium::live {

struct RelayOptions {
  size_t max_watches = 1024;  // this node's readers of runs elsewhere
  size_t max_relays = 1024;   // other nodes' readers of runs here
  // A message reassembled from parts, at most: a hub's batch is at most its batch_bytes (32
  // KiB), or one line (16 KiB of control characters escape to 96 KiB of JSON).
  size_t max_message_bytes = 256 << 10;
};

class Relay {
 public:
  static constexpr size_t kMaxPayload = 7'900;  // PostgreSQL's NOTIFY takes less than 8,000
  using Publish = std::function<void(std::string payload)>;

  Relay(std::string node_id, OutputHub& hub, Publish publish, RelayOptions options = {});
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Reader side: `sink` gets the messages of `execution_id` from whichever other node runs it
  // (this node's own runs reach readers through the hub). Returns an id for Unwatch, 0 when
  // this node watches too many already. After Unwatch returns, `sink` is never called again.
  uint64_t Watch(const std::string& execution_id, Sink sink);
  void Unwatch(uint64_t watch);

  // Every node: a payload some node published.
  void Received(std::string_view payload);

  // This node may have missed payloads: recovers what its readers and the other nodes' lost.
  void Resync();

  // `execution_id` ended (here or elsewhere): other nodes' watches of it are dropped here.
  void Ended(const std::string& execution_id);

  // Watches of other nodes this node serves (for tests and metrics).
  size_t RelayedCount();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cronium::live
