// Argument conversion shared by the register_*.cpp files: every bad argument
// becomes a TypeError/ValueError that says what was expected.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

namespace chimera::py_args {

namespace py = pybind11;

// A read-only view of any C-contiguous buffer (bytes, bytearray, memoryview,
// numpy array); released on destruction. No copy is made.
class ByteView {
public:
    ByteView(py::handle obj, const char* what) {
        if (PyObject_GetBuffer(obj.ptr(), &buf_, PyBUF_C_CONTIGUOUS) != 0) {
            const bool is_buffer = PyObject_CheckBuffer(obj.ptr());
            PyErr_Clear();
            if (is_buffer)
                throw py::value_error(std::string(what) + " must be a C-contiguous buffer");
            throw py::type_error(std::string(what) +
                                 " must be a bytes-like object (bytes, bytearray, memoryview "
                                 "or numpy array), not " +
                                 std::string(Py_TYPE(obj.ptr())->tp_name));
        }
    }
    ByteView(const ByteView&) = delete;
    ByteView& operator=(const ByteView&) = delete;
    ~ByteView() { PyBuffer_Release(&buf_); }

    const uint8_t* data() const { return static_cast<const uint8_t*>(buf_.buf); }
    size_t size() const { return static_cast<size_t>(buf_.len); }

private:
    Py_buffer buf_{};
};

// A Python int in [lo, hi], else ValueError naming `what` and the range.
inline uint64_t int_in_range(py::handle obj, const char* what, uint64_t lo, uint64_t hi) {
    if (!PyLong_Check(obj.ptr()) || PyBool_Check(obj.ptr()))
        throw py::type_error(std::string(what) + " must be an int, not " +
                             Py_TYPE(obj.ptr())->tp_name);
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow == 0 && v == -1 && PyErr_Occurred()) throw py::error_already_set();
    unsigned long long u = 0;
    bool ok = overflow == 0 && v >= 0;
    if (overflow > 0) {
        u = PyLong_AsUnsignedLongLong(obj.ptr());
        if (PyErr_Occurred()) PyErr_Clear();
        else ok = true;
    } else if (ok) {
        u = static_cast<unsigned long long>(v);
    }
    if (!ok || u < lo || u > hi)
        throw py::value_error(std::string(what) + " must be in [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "], got " + std::string(py::str(obj)));
    return u;
}

// A 256-bit target as 32 little-endian bytes; ValueError outside [0, 2^256).
inline void target_le32(py::handle obj, uint8_t out[32]) {
    if (!PyLong_Check(obj.ptr()) || PyBool_Check(obj.ptr()))
        throw py::type_error(std::string("target must be an int, not ") +
                             Py_TYPE(obj.ptr())->tp_name);
    py::int_ t = py::reinterpret_borrow<py::int_>(obj);
    if (t < py::int_(0) || PyLong_Check(obj.ptr()) && _PyLong_NumBits(obj.ptr()) > 256)
        throw py::value_error("target must be in [0, 2**256), got " + std::string(py::str(obj)));
    py::bytes b = t.attr("to_bytes")(32, "little");
    std::memcpy(out, PyBytes_AS_STRING(b.ptr()), 32);
}

}  // namespace chimera::py_args
