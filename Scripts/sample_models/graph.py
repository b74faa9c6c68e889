"""Graph pieces: nested models used as layers, Keras 3 ops nodes, tf-keras TFOpLambda / SlicingOpLambda, and an
inbound node saved with training=True.

ops_graph (Keras 3) and tf_op_lambda (tf-keras) apply the same operations to the same shapes, so the two
configs can be compared op for op: constants and tensors as operands, matmul, reshape, transpose,
expand_dims, squeeze, concatenate, stack, slicing (x[:, 1:3], x[..., ::2]), reductions with and without
keepdims, activations called on a symbolic tensor, and the Python operators (+, *, unary -). Their output is
one flat vector (every intermediate reshaped and concatenated); layer_outputs.npz holds each node's own
output.
"""
from sample_kit import (K3, L, keras, tf, model, ALL, LEGACY2, Input, Model, Dense, rnd, spec_of, seq, first,
                        Concatenate)


# ---------------------------------------------------------------- nested models
@model("nested_sequential", ALL,
       "Functional Input(6, in_x) -> Dense(5, pre) -> Sequential named inner_seq [Dense(4, relu, inner_dense1), "
       "Dense(3, inner_dense2)] used as one layer -> Dense(2, head)")
def _():
    inp = Input((6,), name="in_x")
    h = Dense(5, name="pre")(inp)
    inner = seq([Dense(4, activation="relu", name="inner_dense1", **first(shape=(5,))), Dense(3, name="inner_dense2")],
                shape=(5,), name="inner_seq")
    out = Dense(2, name="head")(inner(h))
    m = Model(inp, out, name="nested_sequential")
    return spec_of(m, [rnd((16, 6))])


@model("nested_functional", ALL,
       "Functional with a nested Functional layer called twice (shared weights): inner_model = Model(Input(4, inner_in), "
       "[Dense(3, tanh, inner_tanh), Dense(2, inner_linear)]) (two outputs); outer inputs a, b Input(4) -> inner_model(a), "
       "inner_model(b) -> concatenate of the four tensors (Concatenate, Keras 1: merge concat) named joined -> Dense(2, head)")
def _():
    ii = Input((4,), name="inner_in")
    inner = Model(ii, [Dense(3, activation="tanh", name="inner_tanh")(ii), Dense(2, name="inner_linear")(ii)],
                  name="inner_model")
    a = Input((4,), name="a")
    b = Input((4,), name="b")
    a0, a1 = inner(a)
    b0, b1 = inner(b)
    out = Dense(2, name="head")(Concatenate([a0, a1, b0, b1], name="joined"))
    m = Model([a, b], out, name="nested_functional")
    return spec_of(m, [rnd((16, 4)), rnd((16, 4))],
                   notes="inner_model is called twice; in layer_outputs.npz 'inner_model' / 'inner_model:1' are its FIRST "
                         "call (on input a), see layer_outputs_shared")


# ---------------------------------------------------------------- Keras 3 ops / tf-keras TFOpLambda
OPS_COVERS = ("x, y Input(5,4); h = Dense(4, dense_x)(x); add(h, 1.5) const; subtract(h, y) tensors; multiply(., 0.5); "
              "divide(., 2.0); divide(h, add(abs(y), 1.0)); transpose(perm 0,2,1); matmul; matmul with transposed "
              "second operand; reshape to (-1, 25); expand_dims(h, 1); squeeze(axis=1); concatenate([.., y], -1); stack([h, y], "
              "axis=1); h[:, 1:3]; h[..., ::2]; mean(h, axis=1, keepdims=True); sum(axis=-1) (keepdims False); max(axis=1); "
              "max(h, axis=-1, keepdims=True); relu, gelu, softmax(axis=-1), sigmoid, tanh on symbolic tensors; operators "
              "h * y, h + 2.0, -h; output = concatenate of every result reshaped to (batch, -1)")


def _ops_parts(h, y):
    """The shared recipe; `o` holds the op functions of this generation. Returns [(label, tensor)]."""
    if K3:
        o, act = keras.ops, keras.activations
        ops = dict(add=o.add, sub=o.subtract, mul=o.multiply, div=o.divide, abs=o.abs, matmul=o.matmul,
                   transpose=lambda t: o.transpose(t, (0, 2, 1)), matmul_tb=lambda a, b: o.matmul(a, o.swapaxes(b, 1, 2)),
                   reshape=lambda t, s: o.reshape(t, s), expand=lambda t: o.expand_dims(t, 1),
                   squeeze=lambda t: o.squeeze(t, axis=1), concat=lambda ts: o.concatenate(ts, axis=-1),
                   stack=lambda ts: o.stack(ts, axis=1), mean_k=lambda t: o.mean(t, axis=1, keepdims=True),
                   sum_n=lambda t: o.sum(t, axis=-1), max_n=lambda t: o.max(t, axis=1),
                   max_k=lambda t: o.max(t, axis=-1, keepdims=True), relu=act.relu, gelu=act.gelu,
                   softmax=lambda t: act.softmax(t, axis=-1), sigmoid=o.sigmoid, tanh=o.tanh)
    else:
        ops = dict(add=tf.add, sub=tf.subtract, mul=tf.multiply, div=tf.divide, abs=tf.abs, matmul=tf.matmul,
                   transpose=lambda t: tf.transpose(t, perm=[0, 2, 1]),
                   matmul_tb=lambda a, b: tf.matmul(a, b, transpose_b=True),
                   reshape=lambda t, s: tf.reshape(t, s), expand=lambda t: tf.expand_dims(t, 1),
                   squeeze=lambda t: tf.squeeze(t, axis=1), concat=lambda ts: tf.concat(ts, axis=-1),
                   stack=lambda ts: tf.stack(ts, axis=1), mean_k=lambda t: tf.reduce_mean(t, axis=1, keepdims=True),
                   sum_n=lambda t: tf.reduce_sum(t, axis=-1), max_n=lambda t: tf.reduce_max(t, axis=1),
                   max_k=lambda t: tf.reduce_max(t, axis=-1, keepdims=True), relu=tf.nn.relu, gelu=tf.nn.gelu,
                   softmax=lambda t: tf.nn.softmax(t, axis=-1), sigmoid=tf.math.sigmoid, tanh=tf.math.tanh)
    p = []
    add_c = ops["add"](h, 1.5)
    sub_t = ops["sub"](h, y)
    mul_c = ops["mul"](add_c, 0.5)
    div_c = ops["div"](sub_t, 2.0)
    div_t = ops["div"](h, ops["add"](ops["abs"](y), 1.0))
    mm = ops["matmul"](mul_c, ops["transpose"](div_c))
    mm_tb = ops["matmul_tb"](mul_c, div_t)
    ex = ops["expand"](h)
    sq = ops["squeeze"](ex)
    cat = ops["concat"]([sq, y])
    st = ops["stack"]([h, y])
    p += [("add_const", add_c), ("subtract", sub_t), ("multiply_const", mul_c), ("divide_const", div_c),
          ("divide_tensors", div_t), ("matmul", ops["reshape"](mm, (-1, 25))), ("matmul_tb", mm_tb), ("squeeze", sq),
          ("concatenate", cat), ("stack", st), ("slice_1_3", h[:, 1:3]), ("slice_step2", h[..., ::2]),
          ("mean_keepdims", ops["mean_k"](h)), ("sum", ops["sum_n"](cat)), ("max", ops["max_n"](st)),
          ("max_keepdims", ops["max_k"](h)), ("relu", ops["relu"](sub_t)), ("gelu", ops["gelu"](mul_c)),
          ("softmax", ops["softmax"](div_c)), ("sigmoid", ops["sigmoid"](add_c)), ("tanh", ops["tanh"](div_t)),
          ("op_mul", h * y), ("op_add", h + 2.0), ("op_neg", -h)]
    flat = ops["concat"]([ops["reshape"](t, (-1, _size(t))) for _, t in p])
    return p, flat


def _size(t):
    n = 1
    for d in tuple(t.shape)[1:]:
        n *= int(d)
    return n


def _ops_model():
    x = Input((5, 4), name="x")
    y = Input((5, 4), name="y")
    h = Dense(4, name="dense_x")(x)
    parts, flat = _ops_parts(h, y)
    m = Model([x, y], flat, name="ops_graph" if K3 else "tf_op_lambda")
    return spec_of(m, [rnd((16, 5, 4)), rnd((16, 5, 4))],
                   extra={"ops_in_order": [label for label, _ in parts]},
                   notes="output = concatenate of the %d results in ops_in_order, each reshaped to (batch, -1)" % len(parts))


@model("ops_graph", ("keras3",), "Keras 3 ops nodes in a Functional graph (keras.ops.*, keras.activations.* and Python "
                                 "operators on KerasTensors): " + OPS_COVERS)
def _():
    return _ops_model()


@model("tf_op_lambda", ("tf-keras",), "tf-keras TFOpLambda / SlicingOpLambda layers (tf.* functions and Python operators on "
                                      "KerasTensors): tf.add, tf.subtract, tf.multiply, tf.divide, tf.abs, tf.transpose, "
                                      "tf.matmul (and transpose_b=True), tf.reshape, tf.expand_dims, tf.squeeze, tf.concat, "
                                      "tf.stack, slicing, tf.reduce_mean/sum/max, tf.nn.relu, tf.nn.gelu, tf.nn.softmax, "
                                      "tf.math.sigmoid, tf.math.tanh: " + OPS_COVERS)
def _():
    return _ops_model()


# ---------------------------------------------------------------- training=True in an inbound node
def _dropout_model(training):
    inp = Input((6,), name="in_x")
    h = Dense(8, name="dense")(inp)
    drop = L.Dropout(0.5, name="dropout_train")
    h = drop(h, training=True) if training else drop(h)
    out = Dense(2, name="head")(h)
    return Model(inp, out, name="training_true_dropout")


def _inference_twin(m):
    twin = _dropout_model(False)
    twin.set_weights(m.get_weights())
    return twin


@model("training_true_dropout", LEGACY2,
       "Functional Input(6) -> Dense(8, dense) -> Dropout(0.5, name='dropout_train')(h, training=True) -> Dense(2, head): "
       "the inbound node of dropout_train is saved with training=True. expected.npy is the INFERENCE output (see notes); "
       "predict_random.npy is what model.predict returned")
def _():
    m = _dropout_model(True)
    return spec_of(m, [rnd((16, 6))], inference_model=_inference_twin,
                   notes="expected.npy = predict of an identical Functional model built without training=True (same layer "
                         "names), with set_weights(model.get_weights()) from the trained model that was saved as model.h5; "
                         "layer_outputs.npz comes from that twin too. predict_random.npy = model.predict of the saved model "
                         "itself (its Dropout node has training=True)")
