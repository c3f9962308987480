"""Experiments of lesson 8 (beyond one recurrent layer):

- ``splice`` (:mod:`.splice`): a forward or bidirectional GRU or LSTM, one or two layers, classifies real DNA
  windows around possible splice junctions, against three NumPy baselines on the same crops (chance, k-mer
  counts, a positional linear model); ``shift`` moves the junction, ``min_length`` pads and masks.
- ``attention`` (:mod:`.attention`): an LSTM encoder–decoder with and without an attention read-out, trained
  at the same budget on copying digits of mixed lengths; exact match per length, and the attention weights of
  the learner's own digits as a heatmap. Both networks are kept between runs.
- ``message-passing`` (:mod:`.message_passing`): a gated graph neural network's GRU step on a small graph,
  and how far the source node's state has spread after each step (NumPy only).
"""
