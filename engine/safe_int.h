// A 64-bit count whose + - * throw instead of wrapping. The ledger and other
// size arithmetic use it, so a count can never print as a negative number:
// limits.h keeps every accepted spec far from overflow, and this type turns
// any mistake in that reasoning into a clear error instead of a wrong answer.
#pragma once

#include <compare>
#include <cstdint>

#include "engine/errors.h"

namespace archscope {

class SafeInt {
 public:
  constexpr SafeInt(int64_t v = 0) : v_(v) {}  // NOLINT: counts start from plain integers
  constexpr int64_t get() const { return v_; }

  friend SafeInt operator+(SafeInt a, SafeInt b) {
    int64_t r;
    if (__builtin_add_overflow(a.v_, b.v_, &r)) overflow();
    return r;
  }
  friend SafeInt operator-(SafeInt a, SafeInt b) {
    int64_t r;
    if (__builtin_sub_overflow(a.v_, b.v_, &r)) overflow();
    return r;
  }
  friend SafeInt operator*(SafeInt a, SafeInt b) {
    int64_t r;
    if (__builtin_mul_overflow(a.v_, b.v_, &r)) overflow();
    return r;
  }
  SafeInt& operator+=(SafeInt b) { return *this = *this + b; }
  SafeInt& operator*=(SafeInt b) { return *this = *this * b; }
  friend constexpr auto operator<=>(SafeInt a, SafeInt b) = default;

 private:
  [[noreturn]] static void overflow() {
    throw InputError("a size computed from this model overflows 64 bits; its sizes are beyond "
                     "what Archscope can count (see the limits table in the README)");
  }
  int64_t v_;
};

}  // namespace archscope
