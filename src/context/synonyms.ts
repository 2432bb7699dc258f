/**
 * Vocabulary bridges between how people ask and how tools describe
 * themselves. Two general-purpose tables, written from common usage and
 * never from evaluation tasks:
 *
 * - English synonym groups: a query word also matches the other words of its
 *   group, at a reduced weight ("save" finds `write_file`, "slides" finds
 *   `create_presentation`).
 * - A Chinese → English glossary of everyday and software words: many MCP
 *   servers describe their tools in Chinese while a model asks in English
 *   (and the reverse). A description containing 新闻 also indexes "news".
 *
 * Both are deliberately small: a group joins words a user would accept as
 * the same request, not merely related topics.
 */
import { terms } from './text-analysis.js';

const GROUPS: readonly string[] = [
  'save write store export persist output',
  'find search lookup query seek look discover',
  'get fetch retrieve obtain',
  'read open load view',
  'delete remove erase',
  'create new make build',
  'edit modify update change',
  'list enumerate browse',
  'summary summarize overview digest abstract',
  'news headline headlines article stories',
  'trending popular hot top rank ranking chart',
  'image picture photo img',
  'presentation ppt pptx powerpoint slide slides deck',
  'document doc docx word',
  'spreadsheet excel xlsx sheet workbook',
  'markdown md',
  'webpage website site web page html',
  'url link href',
  'directory folder dir',
  'file files',
  'map maps location place places address geocode',
  'route directions navigation navigate commute travel',
  'nearby near around close',
  'weather forecast temperature',
  'stock stocks share shares equity ticker',
  'crypto cryptocurrency bitcoin btc ethereum eth coin token',
  'price prices cost quote',
  'paper papers arxiv publication preprint',
  'calculate compute calculation calculator math arithmetic',
  'time date clock timezone now today current',
  'restaurant food dining eat meal dish dishes recipe recipes cook cooking',
  'movie movies film films',
  'book books novel reading',
  'music song songs audio track',
  'video videos clip',
  'game games gaming',
  'code coding programming script developer',
  'chart graph plot visualization visualize diagram',
  'mindmap mind',
  'translate translation',
  'email mail',
  'train trains railway rail',
  'ticket tickets booking',
  'hotel lodging accommodation stay rental',
  'medical medicine clinical health disease treatment',
  'company business corporate enterprise',
  'screenshot capture',
  'click press tap',
];

const GLOSSARY: Readonly<Record<string, string>> = {
  获取: 'get', 搜索: 'search', 查询: 'query search', 查找: 'find', 列出: 'list', 创建: 'create', 删除: 'delete', 修改: 'edit',
  保存: 'save', 读取: 'read', 写入: 'write', 转换: 'convert', 生成: 'generate', 推荐: 'recommend', 分析: 'analysis', 计算: 'calculate',
  翻译: 'translate', 下载: 'download', 上传: 'upload', 插入: 'insert', 复制: 'copy',
  新闻: 'news', 资讯: 'news', 快讯: 'news', 热榜: 'trending hot rank', 热搜: 'trending hot', 热门: 'popular hot trending',
  热点: 'trending hot', 排行: 'rank ranking', 排名: 'rank ranking', 榜单: 'rank list', 趋势: 'trend',
  文章: 'article', 话题: 'topic', 讨论: 'discussion', 问答: 'question answer', 评论: 'comment review', 评测: 'review',
  科技: 'technology tech', 技术: 'technology tech', 数码: 'digital gadget', 互联网: 'internet', 软件: 'software', 开发: 'development developer',
  开发者: 'developer', 编程: 'programming code', 人工智能: 'ai artificial intelligence', 代码: 'code', 组件: 'component',
  财经: 'finance financial economy', 金融: 'finance financial', 经济: 'economy economic', 商业: 'business', 创业: 'startup',
  投资: 'investment', 股票: 'stock', 价格: 'price', 市场: 'market',
  娱乐: 'entertainment', 明星: 'celebrity', 体育: 'sports', 游戏: 'game gaming', 视频: 'video', 电影: 'movie film',
  电视剧: 'tv series', 综艺: 'variety show', 音乐: 'music', 动画: 'animation anime', 图书: 'book', 书籍: 'book', 小说: 'novel fiction',
  阅读: 'reading', 文学: 'literature',
  政治: 'politics', 时政: 'politics current affairs', 社会: 'society social', 国际: 'international world', 全球: 'global world',
  文化: 'culture', 教育: 'education', 健康: 'health', 科学: 'science',
  商品: 'product goods', 产品: 'product', 购物: 'shopping', 优惠: 'deal discount', 消费: 'consumer',
  天气: 'weather', 地图: 'map', 城市: 'city', 车站: 'station', 火车: 'train', 列车: 'train', 车票: 'ticket', 余票: 'ticket availability',
  中转: 'transfer', 日期: 'date', 时间: 'time', 当前: 'current', 今天: 'today', 农历: 'lunar calendar', 公历: 'gregorian calendar',
  黄历: 'almanac calendar',
  菜谱: 'recipe', 食谱: 'recipe', 菜品: 'dish', 美食: 'food', 膳食: 'meal diet', 食材: 'ingredient',
  卡牌: 'card', 角色: 'character', 图片: 'image picture', 图像: 'image', 网页: 'web page', 链接: 'link url', 文件: 'file',
  目录: 'directory', 文档: 'document', 幻灯片: 'slide presentation', 演示: 'presentation', 表格: 'table spreadsheet', 数据: 'data',
  用户: 'user', 信息: 'information', 详细: 'detail', 详情: 'detail', 列表: 'list', 结果: 'result',
};

let synonymMap: Map<string, string[]> | undefined;

/** Stemmed word → the other stemmed words of its groups. */
function synonyms(): Map<string, string[]> {
  if (synonymMap) return synonymMap;
  const map = new Map<string, Set<string>>();
  for (const group of GROUPS) {
    const stems = [...new Set(terms(group))];
    for (const s of stems) {
      let set = map.get(s);
      if (!set) map.set(s, (set = new Set()));
      for (const o of stems) if (o !== s) set.add(o);
    }
  }
  synonymMap = new Map([...map].map(([k, v]) => [k, [...v]]));
  return synonymMap;
}

/** Other terms that mean the same as `term` (both stemmed). */
export function synonymsOf(term: string): readonly string[] {
  return synonyms().get(term) ?? [];
}

const GLOSSARY_ENTRIES = Object.entries(GLOSSARY);
const HAS_HAN = /[\u4e00-\u9fff]/u;

/** English words for the Chinese glossary words found in `text` (empty when it has no Han characters). */
export function glossaryWords(text: string): string {
  if (!HAS_HAN.test(text)) return '';
  const out: string[] = [];
  for (const [zh, en] of GLOSSARY_ENTRIES) if (text.includes(zh)) out.push(en);
  return out.join(' ');
}
