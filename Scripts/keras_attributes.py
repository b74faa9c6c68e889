"""Reading Keras's string-list attributes from an h5py file, shared by make_samples.py and gates_reference.py."""
import numpy as np


def read_str_list(attrs, name):
    """Read a possibly chunked (name0, name1, ...) string-list attribute."""
    chunks = []
    if name in attrs:
        chunks.append(attrs[name])
    else:
        i = 0
        while "%s%d" % (name, i) in attrs:
            chunks.append(attrs["%s%d" % (name, i)])
            i += 1
    out = []
    for c in chunks:
        arr = np.asarray(c)
        if arr.dtype.kind == "f":  # empty float64 array for layers without weights
            continue
        for v in arr.reshape(-1):
            out.append(v.decode("utf8") if isinstance(v, bytes) else str(v))
    return out
