#pragma once

// Maps (method, path pattern) to handlers. Patterns are literal segments and "{name}"
// parameters that match one segment ("/api/v1/events/{id}/run"); a final "{name...}" matches
// the rest of the path. Parameters are percent-decoded after the path is split, so an encoded
// "/" (%2F) stays inside its parameter.
//
// Routes are added before the server starts; Dispatch is then thread-safe (read-only).

#include <string>
#include <vector>

#include "http/message.h"

namespace cronium::http {

class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler);
  // Called, instead of the 404, for a path that no route matches with any method (the web UI:
  // its client routes and assets). A path that some route matches with another method still
  // gets the 405.
  void SetFallback(Handler handler);

  // Runs the matching handler. Unknown path: 404; known path, other method: 405 with Allow;
  // malformed percent-encoding: 400. Error bodies are {"error": CODE, "message": text}.
  void Dispatch(Request& request, Responder respond) const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
  Handler fallback_;
};

std::string ErrorBody(std::string_view code, std::string_view message);

}  // namespace cronium::http
