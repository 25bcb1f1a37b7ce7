// Typed exceptions of the engine. The bindings map each onto the Python
// exception of the same name, so every check made here reaches the user as a
// ValueError / TypeError / IndexError / MemoryError with its message intact.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace tg {

struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct OutOfMemory : std::runtime_error { using std::runtime_error::runtime_error; };
struct RuntimeError : std::runtime_error { using std::runtime_error::runtime_error; };

namespace detail {
inline void cat(std::ostringstream&) {}
template <class A, class... R>
void cat(std::ostringstream& s, const A& a, const R&... r) { s << a; cat(s, r...); }
}  // namespace detail

// str("shapes ", a, " and ", b) — message builder used by every check.
template <class... A>
std::string str(const A&... a) {
  std::ostringstream s;
  detail::cat(s, a...);
  return s.str();
}

#define TG_CHECK(cond, Exc, ...) \
  do { if (!(cond)) throw ::tg::Exc(::tg::str(__VA_ARGS__)); } while (0)

}  // namespace tg
