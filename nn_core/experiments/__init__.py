"""Experiments behind the lessons, numpy only, built on the engine and runnable in a notebook.

The engine (``nn_core``) is the textbook library: layers, losses, the model, optimisers,
training, gradient checks, data sets, diagnostics. The modules here are the classic
experiments a lesson shows, written with that library and nothing else:

- ``explore``: activation curves with their backprop derivative and a finite-difference check,
  properties, softmax's overflow, why non-linearity matters, curves from ReLU units (and their
  fit within sliders' ranges), maxout;
- ``zero_centred``: a two-weight descent fed by sigmoid or by tanh outputs (the zig-zag);
- ``depth``: a batch through a deep network at initialisation, layer by layer (vanishing and
  exploding signals), and a brief training run;
- ``dead_units``: training while recording which ReLU units stop firing for good.

>>> from nn_core.experiments.depth import depth_profile
>>> profile = depth_profile("tanh", depth=5, width=64, init="normal_0.01", batch_size=64)
>>> bool(profile.activation_std[-1] < profile.activation_std[0])
True
"""
