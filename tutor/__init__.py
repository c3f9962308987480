"""rnn-tutor: learn recurrent neural networks in the terminal, with labs that compute what they show."""

__version__ = "0.1.0"
