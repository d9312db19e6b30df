"""Every string the user sees, in English and Simplified Chinese, looked up by key.

The strings every page shares (the frame, the sidebar, the home page, generic messages and the
display names of activations and initialisers) are the ``EN`` and ``ZH`` tables below; each
lesson keeps its own two tables in ``pages/<lesson>/strings.py``, with keys prefixed by the
lesson. ``tests/test_frame.py`` checks that every pair of tables has the same keys and format
fields, and that no key is defined twice. Strings may contain ``str.format`` fields:
``t("epoch_of", epoch=3, total=10)``.
"""

import importlib
import sys
from types import MappingProxyType

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
# The lessons, in the order the sidebar lists them: each is a folder ``pages/<lesson>/``.
LESSONS = ("activations", "saturation", "dead_relu", "playground", "backprop")


class Translator:
    """``t(key, **fields)`` -> the text for ``key`` in one language, with fields filled in."""

    def __init__(self, lang):
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self.table = TABLES[self.lang]

    def __call__(self, key, **fields):
        text = self.table[key]
        return text.format(**fields) if fields else text


def activation_name(t, name):
    """The display name of an activation (e.g. "Leaky ReLU"), the same on every page."""
    return t(f"act_name_{name}")


def initializer_name(t, name):
    """The display name of a weight initialiser (e.g. "Xavier (Glorot)"), the same everywhere."""
    return t(f"init_name_{name}")


EN = {
    "app_title": "Activation Lab",
    "app_tagline": "See how neural networks learn: activations, gradients, dead units and training, live.",
    "sidebar_language": "Language",
    "sidebar_projector": "Projector mode",
    "sidebar_projector_help": "Bigger type, thicker lines and higher contrast for a room watching a projected screen.",
    "sidebar_pages": "Pages",
    "sidebar_about": "Activation Lab: a classroom dashboard on nn_core, a small exact numpy neural-network engine. Every number shown is computed live by the same code you can read.",
    "page_home": "Home",
    "page_activations": "Activation functions",
    "page_saturation": "Gradient saturation",
    "page_dead_relu": "Dead ReLUs",
    "page_playground": "MLP playground",
    "page_backprop": "Backpropagation",
    "home_intro": "A dashboard for teaching how neural networks learn. Pick a page; every chart is computed live by `nn_core`, a small numpy engine whose gradients are checked against finite differences.",
    "home_activations": "Compare 16 activation functions and their derivatives side by side, read their formulas and the real code that computes them, and see why a network needs non-linearity, how softmax avoids overflow and how ReLUs build a curve.",
    "home_saturation": "Push a batch through a deep network at initialisation and watch activations collapse or saturate and gradients vanish or explode layer by layer; see how Xavier and He initialisation and ReLU fixed it.",
    "home_dead_relu": "Train networks live and count the ReLU units that stop firing for good; see how a high learning rate or a negative bias kills them and how leaky ReLU keeps them alive.",
    "home_playground": "Train a network on toy data sets and watch the decision boundary, every hidden unit and the loss curves change as it learns, like TensorFlow Playground, with multi-class output, your own CSV data and a gradient check.",
    "home_backprop": "Step through backpropagation node by node: the textbook's shopping graph, sigmoid and tanh as graphs next to their fused nodes, ReLU's mask, the Affine and Softmax-with-Loss layers with their shapes, a whole tiny network layer by layer, every gradient checked against finite differences, and a live race that shows why networks are trained with backprop.",
    "home_open": "Open",
    "home_how": "Tip for teachers: the sidebar switches language and projector mode; both travel with the page links and the URL, so one link shows the whole class the same page.",
    "error_generic": "Something went wrong while computing this view: {detail}",
    "admission_waiting": "The server is busy with the class's work: you are number {position} in the queue ({running} running now). This starts by itself as soon as it is your turn.",
    "notice_clamped": "The link asked for {name} = {value}; it was changed to {fixed}, the nearest allowed value.",
    "notice_invalid": "The link's value for {name} was not understood; the default was used instead.",
    "share_title": "Share this view",
    "copy_link_help": "Copy this address and share it: it opens this page with the same settings.",
    "share_lock": "Lesson link: hide these controls",
    "share_lock_help": "Students who open the lesson link below see the settings you chose but not these controls.",
    "yes": "yes",
    "no": "no",
    "reconnect_reset": "The connection to the server was lost and you were reconnected to a new server process: your session was reset. What you trained, uploaded or computed before is gone; the settings on this page were kept.",
    # activation names, shared by every page
    "act_name_identity": "Identity",
    "act_name_step": "Step",
    "act_name_sigmoid": "Sigmoid",
    "act_name_tanh": "Tanh",
    "act_name_relu": "ReLU",
    "act_name_leaky_relu": "Leaky ReLU",
    "act_name_elu": "ELU",
    "act_name_selu": "SELU",
    "act_name_prelu": "PReLU",
    "act_name_softplus": "Softplus",
    "act_name_swish": "Swish (SiLU)",
    "act_name_gelu": "GELU",
    "act_name_mish": "Mish",
    "act_name_softsign": "Softsign",
    "act_name_hard_sigmoid": "Hard sigmoid",
    "act_name_hard_tanh": "Hard tanh",
    # initialiser names, shared by every page
    "init_name_normal_0.01": "Normal, std 0.01",
    "init_name_normal_1.0": "Normal, std 1.0",
    "init_name_xavier": "Xavier (Glorot)",
    "init_name_he": "He (Kaiming)",
}

ZH = {
    "app_title": "激活函数实验室",
    "app_tagline": "亲眼看神经网络如何学习：激活函数、梯度、死亡单元与训练过程，实时计算。",
    "sidebar_language": "语言",
    "sidebar_projector": "投影模式",
    "sidebar_projector_help": "更大的字体、更粗的线条和更高的对比度，适合全班看投影屏幕。",
    "sidebar_pages": "页面",
    "sidebar_about": "激活函数实验室：基于 nn_core 的课堂仪表盘。nn_core 是一个小而精确的 numpy 神经网络引擎，页面上的每个数字都由你可以阅读的同一份代码实时算出。",
    "page_home": "首页",
    "page_activations": "激活函数",
    "page_saturation": "梯度饱和",
    "page_dead_relu": "死亡 ReLU",
    "page_playground": "MLP 训练场",
    "page_backprop": "反向传播",
    "home_intro": "一个讲解神经网络如何学习的仪表盘。选择一个页面；每张图都由 `nn_core` 实时计算，这是一个梯度经过有限差分校验的小型 numpy 引擎。",
    "home_activations": "并排比较 16 种激活函数及其导数，阅读公式和实际计算它们的代码，理解网络为什么需要非线性、softmax 如何避免溢出，以及 ReLU 如何拼出一条曲线。",
    "home_saturation": "让一批数据在初始化时穿过一个深层网络，逐层观察激活值坍缩或饱和、梯度消失或爆炸；看 Xavier、He 初始化和 ReLU 如何解决这个问题。",
    "home_dead_relu": "实时训练网络，统计永久停止激活的 ReLU 单元；看过大的学习率或负偏置如何杀死它们，以及 Leaky ReLU 如何让它们存活。",
    "home_playground": "在玩具数据集上训练网络，观察决策边界、每个隐藏单元和损失曲线随学习的变化。类似 TensorFlow Playground，但支持多分类输出、上传你自己的 CSV 数据和梯度校验。",
    "home_backprop": "逐个节点地执行反向传播：教材中的购物计算图，Sigmoid 和 Tanh 的计算图与它们的融合节点并排比较，ReLU 的掩码，Affine 与 Softmax-with-Loss 层及其形状，逐层执行的完整小网络，每个梯度都用有限差分校验，还有一场实时比赛，说明为什么要用反向传播来训练网络。",
    "home_open": "打开",
    "home_how": "给老师的提示：侧边栏可以切换语言和投影模式；这两项会随页面链接和网址一起传递，因此一个链接就能让全班看到同一个页面。",
    "error_generic": "计算此视图时出错：{detail}",
    "admission_waiting": "服务器正在处理全班的计算：你排在第 {position} 位（正在运行 {running} 个）。轮到你时会自动开始。",
    "notice_clamped": "链接要求 {name} = {value}；已改为最接近的允许值 {fixed}。",
    "notice_invalid": "无法识别链接中 {name} 的值；已改用默认值。",
    "share_title": "分享此视图",
    "copy_link_help": "复制并分享这个地址：它会以相同的设置打开本页面。",
    "share_lock": "课堂链接：隐藏这些控件",
    "share_lock_help": "打开下方课堂链接的学生会看到你选定的设置，但看不到这些控件。",
    "yes": "是",
    "no": "否",
    "reconnect_reset": "与服务器的连接中断，你已重新连接到一个新的服务器进程：你的会话已被重置。之前训练的模型、上传的文件和计算结果都已丢失；本页面上的设置仍然保留。",
    # activation names, shared by every page
    "act_name_identity": "恒等函数",
    "act_name_step": "阶跃函数",
    "act_name_sigmoid": "Sigmoid",
    "act_name_tanh": "Tanh",
    "act_name_relu": "ReLU",
    "act_name_leaky_relu": "Leaky ReLU",
    "act_name_elu": "ELU",
    "act_name_selu": "SELU",
    "act_name_prelu": "PReLU",
    "act_name_softplus": "Softplus",
    "act_name_swish": "Swish (SiLU)",
    "act_name_gelu": "GELU",
    "act_name_mish": "Mish",
    "act_name_softsign": "Softsign",
    "act_name_hard_sigmoid": "Hard Sigmoid",
    "act_name_hard_tanh": "Hard Tanh",
    # initialiser names, shared by every page
    "init_name_normal_0.01": "正态分布，标准差 0.01",
    "init_name_normal_1.0": "正态分布，标准差 1.0",
    "init_name_xavier": "Xavier（Glorot）",
    "init_name_he": "He（Kaiming）",
}


def string_modules():
    """This module and every lesson's strings module: each has an ``EN`` and a ``ZH`` table."""
    return [sys.modules[__name__]] + [importlib.import_module(f"pages.{lesson}.strings")
                                      for lesson in LESSONS]


# {language: {key: text}} over every strings module: constants, read-only for every session.
TABLES = MappingProxyType({
    lang: MappingProxyType({key: text for module in string_modules()
                            for key, text in getattr(module, table).items()})
    for lang, table in (("en", "EN"), ("zh", "ZH"))
})
