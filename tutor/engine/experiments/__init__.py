"""Experiment modules, one per lesson, named after its id (``vanishing-gradients`` → ``vanishing_gradients.py``);
each registers its functions with :mod:`tutor.engine.registry` and keeps NumPy and Keras inside them."""
