from . import periods, rebate_math
