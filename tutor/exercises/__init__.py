"""Exercises the learner solves in their own editor, checked by the tutor (in the manner of rustlings).

``catalogue`` names them and holds their hints; ``templates/`` and ``solutions/`` hold the files; ``workspace``
copies them to the learner's folder and records passes; ``checker`` runs a check in a subprocess with a time
limit (``runner`` is that subprocess, which only computes; ``checks`` holds the cases and judges the results
against ``reference``, the NumPy engine);
``cli`` is the command line. Nothing here imports Textual or TensorFlow.
"""
