// The string hashes TensorFlow's hashing ops use, so that tensorgear's
// Hashing and lookup layers put every string in the bucket Keras puts it in:
// - fingerprint64: FarmHash's Fingerprint64 (the "na" Hash64), what
//   tf.strings.to_hash_bucket_fast uses;
// - siphash24: SipHash-2-4 with a 128-bit key, what
//   tf.strings.to_hash_bucket_strong uses (the key is Keras's `salt`).
// Written from the published algorithms; tests compare them with
// TensorFlow's outputs (tests/keras/fixtures/text_keras_reference.npz).
#pragma once
#include <cstddef>
#include <cstdint>

namespace tg::text {

uint64_t fingerprint64(const char* s, size_t len);
uint64_t siphash24(const char* s, size_t len, uint64_t k0, uint64_t k1);

}  // namespace tg::text
