"""Experiments of lesson 6: what recurrent networks are used for, each trained live against a baseline.

- ``forecast`` (:mod:`.forecast`): a GRU or LSTM forecasts the held-out tail of a real series (Mauna Loa CO₂,
  sunspots) or a synthetic one, recursively, against the naive and seasonal-naive forecasts.
- ``char-rnn`` (:mod:`.char_rnn`): a character-level LSTM on the King James Genesis and Exodus; samples at
  several temperatures while it trains; held-out bits per character against the unigram entropy.
- ``seq2seq-addition`` (:mod:`.seq2seq`): an LSTM encoder-decoder learns "53+61" -> "114" with teacher
  forcing; greedy decoding on held-out sums; exact-match accuracy over time.

The last two keep their network between runs (:class:`tutor.engine.training.KeptNetworks`), so stopping and
starting again continues training it. Every network is trained by ``models.Trainer``; the NumPy parts are in
:mod:`tutor.engine.forecasting`, :mod:`tutor.engine.text` and :mod:`tutor.engine.addition`.
"""
