// The typed errors the engine throws. Library code never ends the process: it
// throws one of these with what failed and where, and the caller shows it.
#pragma once

#include <stdexcept>
#include <string>

namespace archscope {

// A problem with something the user gave us: a config, a weights file, a flag.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A NaN or inf where a model computes numbers: in a checkpoint's tensor (the
// message names the tensor and the file) or in a run's activations (it names
// the stack, layer and op where they first appear). Refused rather than
// shown, since every routing decision and metric downstream would be noise.
// An InputError: it comes from the weights or the input a user gave.
class NumericError : public InputError {
 public:
  using InputError::InputError;
};

// A spec that describes no valid model; the message lists every problem found.
class SpecError : public InputError {
 public:
  using InputError::InputError;
};

// Writing a result failed (a full disk, a missing folder, no permission). The
// writer leaves nothing partial behind and keeps any earlier file intact.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A request that would not fit in this machine's memory, refused before allocating.
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An op a backend cannot run for the shapes or parameters asked (it said so
// in Backend::supports); the message names the backend, the op and the shapes.
class UnsupportedOp : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace archscope
