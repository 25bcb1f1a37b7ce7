"""``tf.string``: the dtype name of text data.

Strings are not a tensor dtype in tensorgear: text stays host data (Python
str, NumPy ``str_``/``bytes_``/object arrays) until a preprocessing layer
(TextVectorization, StringLookup, Hashing) turns it into an int or float
tensor. ``tf.string`` exists so that code naming it (``keras.Input(shape=(1,),
dtype=tf.string)``, ``tf.data`` element specs) runs unchanged.
"""


class StringDType:
    """The dtype object of text; compares equal to the name "string"."""

    name = "string"
    is_floating = False
    is_integer = False
    is_bool = False
    is_complex = False

    def __repr__(self):
        return "tf.string"

    def __eq__(self, other):
        return isinstance(other, StringDType) or other == "string"

    def __hash__(self):
        return hash("string")

    def __reduce__(self):
        return "string"


string = StringDType()
