"""Route modules: read the request, resolve the caller, call one service, render the response."""
