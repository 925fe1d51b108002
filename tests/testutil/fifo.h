#pragma once

// Writing to a FIFO that a test's script reads: opening it blocks until the script opens it,
// which tells the test the script really got there, without sleeping. Bounded, so that a
// script that never gets there fails the test instead of hanging it.

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <string_view>

namespace cronium::testutil {

// Writes `text` to the FIFO at `path` once a reader has it open; false if none opened it
// within `timeout` (or the write failed).
inline bool WriteFifo(const std::string& path, std::string_view text,
                      std::chrono::seconds timeout = std::chrono::seconds(120)) {
  auto writer = std::async(std::launch::async, [path, data = std::string(text)] {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // waits for a reader
    if (fd < 0) return false;
    const bool written = ::write(fd, data.data(), data.size()) ==
                         static_cast<ssize_t>(data.size());
    ::close(fd);
    return written;
  });
  if (writer.wait_for(timeout) == std::future_status::ready) return writer.get();
  // No reader came: become one for a moment, so the writer's open returns and it ends.
  const int unblock = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.get();
  if (unblock >= 0) ::close(unblock);
  return false;
}

}  // namespace cronium::testutil
