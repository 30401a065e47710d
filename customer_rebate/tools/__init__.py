from . import guard, periods, rebate_math
