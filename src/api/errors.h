#pragma once

// The one mapping from ErrorCode to HTTP status and error body.

#include "base/error.h"
#include "http/message.h"

namespace cronium::api {

int HttpStatus(ErrorCode code);
http::Response ErrorResponse(const Error& error);

}  // namespace cronium::api
