"""The scene renderer: rendered phone photos of the table, board, heel tabs and feet, with
their ground truth. Used by the tests, the benchmark and the bundled samples.

Public API: :class:`legcheck.synth.render.Scene`, :func:`legcheck.synth.render.write_scene`.
"""
