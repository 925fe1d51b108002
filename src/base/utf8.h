#pragma once

// UTF-8 checks for user input and for script output that must become valid JSON.

#include <string>
#include <string_view>

namespace cronium {

bool IsValidUtf8(std::string_view text);
// Replaces every invalid byte sequence with U+FFFD (also a sequence cut off at the end).
std::string SanitizeUtf8(std::string_view text);

}  // namespace cronium
