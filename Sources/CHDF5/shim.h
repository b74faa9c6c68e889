// Small C shims over libhdf5 for what Swift cannot import directly: macro constants
// (H5P_DEFAULT, H5T_NATIVE_*, H5F_ACC_RDONLY are macros or hid_t globals behind macros),
// and calls whose names are macros that differ between HDF5 1.10 and 1.12+.
#ifndef KERAS_REPLAY_CHDF5_SHIM_H
#define KERAS_REPLAY_CHDF5_SHIM_H

#include <hdf5.h>
#include <string.h>
#include <stdio.h>

static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_llong(void) { return H5T_NATIVE_LLONG; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
static inline hid_t chdf5_fapl_create(void) { return H5Pcreate(H5P_FILE_ACCESS); }

/// Silences libhdf5's own printing of its error stack; errors become Swift errors instead.
static inline void chdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/// The link type of `name` in `loc` (H5L_TYPE_HARD, H5L_TYPE_SOFT, H5L_TYPE_EXTERNAL), or -1.
static inline int chdf5_link_type(hid_t loc, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, H5P_DEFAULT) < 0) return -1;
    return (int)info.type;
}

/// The number of attributes on an object, or -1.
static inline long long chdf5_attribute_count(hid_t object) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}

/// An identity of the object (its address in the file; two hard links to one object give the
/// same), as text in `buffer`; returns 0, or -1 on failure.
static inline int chdf5_object_identity(hid_t object, char *buffer, size_t capacity) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_BASIC) < 0) return -1;
    char *text = NULL;
    if (H5Otoken_to_str(object, &info.token, &text) < 0 || text == NULL) return -1;
    strncpy(buffer, text, capacity - 1);
    buffer[capacity - 1] = 0;
    H5free_memory(text);
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return -1;
    snprintf(buffer, capacity, "%llu", (unsigned long long)info.addr);
#endif
    return 0;
}

/// The file address of the object's header; returns 0, or -1 on failure.
static inline int chdf5_object_address(hid_t object, unsigned long long *address) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_BASIC) < 0) return -1;
    haddr_t addr = 0;
    if (H5VLnative_token_to_addr(object, info.token, &addr) < 0) return -1;
    *address = (unsigned long long)addr;
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return -1;
    *address = (unsigned long long)info.addr;
#endif
    return 0;
}

/// Frees the strings libhdf5 allocated when reading variable-length strings.
static inline herr_t chdf5_reclaim(hid_t type, hid_t space, void *buffer) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

typedef struct {
    char *buffer;
    size_t capacity;
    int found;
} chdf5_error_sink;

static herr_t chdf5_error_walker(unsigned n, const H5E_error2_t *entry, void *data) {
    chdf5_error_sink *sink = (chdf5_error_sink *)data;
    // The innermost entry (n == 0) says what went wrong at the bottom; keep it and the outermost.
    if (entry->desc == NULL) return 0;
    size_t used = strlen(sink->buffer);
    if (used + 4 >= sink->capacity) return 0;
    if (sink->found) { strncat(sink->buffer, "; ", sink->capacity - used - 1); used += 2; }
    strncat(sink->buffer, entry->desc, sink->capacity - used - 1);
    sink->found += 1;
    (void)n;
    return sink->found >= 2 ? 1 : 0;
}

/// Copies the current error stack's description (innermost first) into `buffer`, then clears it.
static inline void chdf5_take_error_message(char *buffer, size_t capacity) {
    if (capacity == 0) return;
    buffer[0] = 0;
    chdf5_error_sink sink = { buffer, capacity, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, chdf5_error_walker, &sink);
    H5Eclear2(H5E_DEFAULT);
}

#endif
