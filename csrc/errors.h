// Typed exceptions of the engine. The bindings map each onto the Python
// exception of the same name, so every check made here reaches the user as a
// ValueError / TypeError / IndexError / MemoryError with its message intact.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg {

struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct OutOfMemory : std::runtime_error { using std::runtime_error::runtime_error; };
struct RuntimeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NotImplementedError : std::runtime_error { using std::runtime_error::runtime_error; };

namespace detail {
template <class T>
void put(std::ostringstream& s, const T& a) { s << a; }
// Shapes and other integer lists print as tuples: (2, 3), (4,), ().
template <class T>
void put(std::ostringstream& s, const std::vector<T>& v) {
  s << '(';
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  if (v.size() == 1) s << ',';
  s << ')';
}
inline void cat(std::ostringstream&) {}
template <class A, class... R>
void cat(std::ostringstream& s, const A& a, const R&... r) { put(s, a); cat(s, r...); }
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
