"""Experiment modules, one per lesson topic; each registers its functions with tutor.engine.registry."""
